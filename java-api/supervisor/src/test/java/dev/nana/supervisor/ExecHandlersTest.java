package dev.nana.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.AlreadyExistsException;
import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventType;
import dev.nana.ExecInfo;
import dev.nana.ExecSpec;
import dev.nana.FailedPreconditionException;
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
 * ExecHandlers over a fake runtime: an exec gets a folder and a process.json of its own (the
 * container's process with its changes), its start and exit are published and waited for, and an
 * exec where there is no running container, or under an id in use, is refused.
 */
class ExecHandlersTest {
    @TempDir Path tmp;
    FakeRuntime fake;

    @BeforeEach
    void setUp() throws Exception {
        fake = new FakeRuntime(tmp);
    }

    @Test
    void anExecRunsWithItsOwnProcessAndItsExitIsTold() throws Exception {
        try (LocalSupervisor nana = fake.open()) {
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Subscription _ = nana.subscribe(EventFilter.ALL, null, events::add)) {
                nana.run(fake.spec("web", "sleep"));
                ExecInfo e =
                        nana.exec(
                                "web",
                                ExecSpec.builder("probe", "--once")
                                        .execId("probe")
                                        .env("NANA_FAKE_EXEC", "exit:3")
                                        .cwd("/srv")
                                        .build());
                assertEquals("probe", e.execId());
                assertTrue(e.pid() > 0);
                String process = Files.readString(fake.state.resolve("web/probe/process.json"));
                assertTrue(process.contains("\"probe\", \"--once\""), process);
                assertTrue(
                        process.contains("\"NANA_FAKE=sleep\""), "the container's env: " + process);
                assertTrue(process.contains("\"NANA_FAKE_EXEC=exit:3\""), process);
                assertTrue(process.contains("\"/srv\""), process);
                assertEquals(3, nana.waitForExec("web", "probe").get(20, TimeUnit.SECONDS).code());
                FakeRuntime.awaitSize(events, 4);
                assertEquals(
                        List.of(
                                EventType.CREATE,
                                EventType.START,
                                EventType.EXEC_STARTED,
                                EventType.EXIT),
                        FakeRuntime.types(events, "web"));
                assertEquals("probe", events.get(3).process());
                assertEquals(3, events.get(3).exitCode());
                nana.delete("web", true);
            }
        }
    }

    @Test
    void anExecIsRefusedWhereItCannotRun() throws Exception {
        try (LocalSupervisor nana = fake.open()) {
            nana.create(fake.spec("web", "sleep"));
            FailedPreconditionException created =
                    assertThrows(
                            FailedPreconditionException.class,
                            () -> nana.exec("web", ExecSpec.builder("true").build()));
            assertTrue(created.getMessage().contains("cannot exec in"), created.getMessage());
            nana.start("web");
            nana.exec("web", ExecSpec.builder("sleep").execId("bg").build());
            assertThrows(
                    AlreadyExistsException.class,
                    () -> nana.exec("web", ExecSpec.builder("sleep").execId("bg").build()));
            nana.delete("web", true);
        }
    }
}
