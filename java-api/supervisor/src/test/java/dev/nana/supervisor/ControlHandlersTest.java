package dev.nana.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.ContainerStatus;
import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventType;
import dev.nana.FailedPreconditionException;
import dev.nana.NotFoundException;
import dev.nana.Resources;
import dev.nana.Subscription;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ControlHandlers over a fake runtime: kill, pause and resume (with their events, the paused mark
 * on disk, and the refusals the lifecycle table makes), update (the runtime's flags) — without
 * root.
 */
class ControlHandlersTest {
    @TempDir Path tmp;
    FakeRuntime fake;

    @BeforeEach
    void setUp() throws Exception {
        fake = new FakeRuntime(tmp);
    }

    @Test
    void pauseAndResumeAreRecordedPublishedAndRefusedOutOfTurn() throws Exception {
        try (LocalSupervisor nana = fake.open()) {
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Subscription _ = nana.subscribe(EventFilter.ALL, null, events::add)) {
                nana.run(fake.spec("web", "sleep"));
                Path paused = fake.state.resolve("web/init").resolve("paused");
                assertEquals(ContainerStatus.PAUSED, nana.pause("web").status());
                assertTrue(Files.exists(paused), "a restarted supervisor knows it is frozen");
                FailedPreconditionException again =
                        assertThrows(FailedPreconditionException.class, () -> nana.pause("web"));
                assertTrue(again.getMessage().contains("cannot pause"), again.getMessage());
                assertTrue(
                        assertThrows(
                                        FailedPreconditionException.class,
                                        () ->
                                                nana.exec(
                                                        "web",
                                                        dev.nana.ExecSpec.builder("true").build()))
                                .getMessage()
                                .contains("cannot exec in"));
                assertEquals(ContainerStatus.RUNNING, nana.resume("web").status());
                assertFalse(Files.exists(paused));
                assertThrows(FailedPreconditionException.class, () -> nana.resume("web"));
                FakeRuntime.awaitSize(events, 4);
                assertEquals(
                        List.of(
                                EventType.CREATE,
                                EventType.START,
                                EventType.PAUSE,
                                EventType.RESUME),
                        FakeRuntime.types(events, "web"));
                nana.delete("web", true);
            }
        }
    }

    @Test
    void updateHandsTheResourcesToTheRuntime() throws Exception {
        try (LocalSupervisor nana = fake.open()) {
            nana.run(fake.spec("web", "sleep"));
            Resources r = Resources.builder().memoryLimit(64L << 20).cpuShares(512).build();
            assertEquals(ContainerStatus.RUNNING, nana.update("web", r).status());
            String updates = Files.readString(fake.runtimeDir("web").resolve("updates")).strip();
            assertEquals(String.join(" ", r.runtimeFlags()), updates);
            nana.kill("web", 9, false);
            nana.waitForExit("web").get(20, TimeUnit.SECONDS);
            assertThrows(FailedPreconditionException.class, () -> nana.update("web", r));
            nana.delete("web", false);
            assertThrows(NotFoundException.class, () -> nana.update("web", r));
        }
    }

    @Test
    void killSendsTheSignalAndTheExitFollows() throws Exception {
        try (LocalSupervisor nana = fake.open()) {
            nana.run(fake.spec("web", "sleep"));
            nana.kill("web", 15, false);
            assertEquals(143, nana.waitForExit("web").get(20, TimeUnit.SECONDS).code());
            assertEquals(ContainerStatus.STOPPED, nana.state("web").status());
            nana.delete("web", false);
        }
    }
}
