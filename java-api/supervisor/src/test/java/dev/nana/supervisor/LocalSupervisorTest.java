package dev.nana.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.AlreadyExistsException;
import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventType;
import dev.nana.FailedPreconditionException;
import dev.nana.InvalidArgumentException;
import dev.nana.NotFoundException;
import dev.nana.Subscription;
import dev.nana.UnavailableException;
import dev.nana.supervisor.events.Journal;
import dev.nana.supervisor.events.JournalEntry;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor's loop, state, journal and restore, with real shims driving a fake runtime (a
 * shell script: no namespaces, no cgroups), so that it runs anywhere.
 */
class LocalSupervisorTest {
    @TempDir Path tmp;

    FakeRuntime fake;
    Path state;
    Path runtime;
    Path runtimeRoot;

    @BeforeEach
    void setUp() throws IOException {
        fake = new FakeRuntime(tmp);
        state = fake.state;
        runtime = fake.runtime;
        runtimeRoot = fake.runtimeRoot;
    }

    @Test
    void createStartKillDeletePublishesEachStepInOrder() throws Exception {
        try (LocalSupervisor nana = fake.open()) {
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Subscription _ = nana.subscribe(EventFilter.ALL, null, events::add)) {
                ContainerInfo created = nana.create(fake.spec("web", "sleep"));
                assertEquals(ContainerStatus.CREATED, created.status());
                assertTrue(created.pid() > 0);
                assertEquals(ContainerStatus.RUNNING, nana.start("web").status());
                nana.kill("web", 9, false);
                assertEquals(137, nana.waitForExit("web").get(20, TimeUnit.SECONDS).code());
                ContainerInfo stopped = nana.state("web");
                assertEquals(ContainerStatus.STOPPED, stopped.status());
                assertEquals(137, stopped.exit().code());
                nana.delete("web", false);
                assertThrows(NotFoundException.class, () -> nana.state("web"));
                FakeRuntime.awaitSize(events, 4);
                assertEquals(
                        List.of(
                                EventType.CREATE,
                                EventType.START,
                                EventType.EXIT,
                                EventType.DELETE),
                        FakeRuntime.types(events, "web"));
                assertEquals(137, events.get(2).exitCode());
                assertFalse(Files.exists(state.resolve("web")), "the folder is gone");
            }
        }
    }

    @Test
    void runReportsTheExitCode() throws Exception {
        try (LocalSupervisor nana = fake.open()) {
            nana.run(fake.spec("three", "exit:3"));
            assertEquals(3, nana.waitForExit("three").get(20, TimeUnit.SECONDS).code());
            assertEquals(
                    3,
                    nana.waitForExit("three").get(1, TimeUnit.SECONDS).code(),
                    "at once when already stopped");
            assertEquals(List.of("three"), nana.list().stream().map(ContainerInfo::id).toList());
        }
    }

    @Test
    void refusesWhatMakesNoSenseWithAClearMessage() throws Exception {
        try (LocalSupervisor nana = fake.open()) {
            nana.run(fake.spec("web", "sleep"));
            assertTrue(
                    assertThrows(
                                    AlreadyExistsException.class,
                                    () -> nana.create(fake.spec("web", "sleep")))
                            .getMessage()
                            .contains("container \"web\" already exists"));
            assertTrue(
                    assertThrows(FailedPreconditionException.class, () -> nana.start("web"))
                            .getMessage()
                            .contains("cannot start \"web\": it is running"));
            assertTrue(
                    assertThrows(FailedPreconditionException.class, () -> nana.delete("web", false))
                            .getMessage()
                            .contains("kill it first, or delete with force"));
            assertThrows(InvalidArgumentException.class, () -> nana.kill("web", 0, false));
            assertThrows(InvalidArgumentException.class, () -> nana.kill("web", 65, false));
            for (var call :
                    List.<Runnable>of(
                            () -> nana.start("ghost"),
                            () -> nana.kill("ghost", 9, false),
                            () -> nana.delete("ghost", true),
                            () -> nana.state("ghost"))) {
                assertTrue(
                        assertThrows(NotFoundException.class, call::run)
                                .getMessage()
                                .contains("no container \"ghost\""));
            }
            var wait = nana.waitForExit("ghost");
            assertThrows(Exception.class, () -> wait.get(5, TimeUnit.SECONDS));
            assertThrows(
                    InvalidArgumentException.class, () -> nana.create(fake.spec("../x", "sleep")));
            nana.delete("web", true);
        }
    }

    @Test
    void aFailedCreateLeavesNothingBehind() throws Exception {
        try (LocalSupervisor nana = fake.open()) {
            var e =
                    assertThrows(
                            FailedPreconditionException.class,
                            () -> nana.create(fake.spec("bad", "fail")));
            assertTrue(e.getMessage().contains("fake create refused"), e.getMessage());
            assertFalse(Files.exists(state.resolve("bad")));
            assertEquals(List.of(), nana.list());
            nana.create(fake.spec("bad", "sleep")); // the id is free again
            nana.delete("bad", false);
        }
    }

    @Test
    void forceDeleteKillsPublishesTheExitThenTheDelete() throws Exception {
        try (LocalSupervisor nana = fake.open()) {
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Subscription _ = nana.subscribe(EventFilter.of("web"), null, events::add)) {
                nana.run(fake.spec("web", "sleep"));
                nana.delete("web", true);
                FakeRuntime.awaitSize(events, 4);
                assertEquals(
                        List.of(
                                EventType.CREATE,
                                EventType.START,
                                EventType.EXIT,
                                EventType.DELETE),
                        FakeRuntime.types(events, "web"));
            }
        }
    }

    @Test
    void theStartPoolBoundsConcurrentCreates() throws Exception {
        try (LocalSupervisor nana = fake.open(2)) {
            List<CompletableFuture<ContainerInfo>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String id = "slow" + i;
                ContainerSpec spec = fake.spec(id, "slow");
                all.add(CompletableFuture.supplyAsync(() -> nana.create(spec)));
            }
            for (var f : all) f.get(60, TimeUnit.SECONDS);
            // the fake runtime logged "begin"/"end" of each create: never more than 2 at once
            int running = 0;
            int max = 0;
            List<String[]> marks =
                    Files.readAllLines(runtimeRoot.resolve("concurrency")).stream()
                            .map(l -> l.split(" "))
                            .sorted(
                                    (a, b) ->
                                            Long.compare(
                                                    Long.parseLong(a[1]), Long.parseLong(b[1])))
                            .toList();
            for (String[] m : marks) {
                running += m[0].equals("begin") ? 1 : -1;
                max = Math.max(max, running);
            }
            assertEquals(2, max, "creates under way at once");
            for (int i = 0; i < 6; i++) nana.delete("slow" + i, false);
        }
    }

    @Test
    void restoreFindsEveryContainerAndReportsWhatHappenedMeanwhileExactlyOnce() throws Exception {
        Instant before;
        int pidA;
        try (LocalSupervisor nana = fake.open()) {
            before = Instant.now();
            pidA = nana.run(fake.spec("a", "sleep")).pid();
            nana.run(fake.spec("b", "sleep"));
            nana.create(fake.spec("d", "sleep"));
        } // closed: the containers live on
        // while no supervisor runs: a is killed
        new ProcessBuilder("kill", "-9", Integer.toString(pidA)).start().waitFor();
        Thread.sleep(300);

        try (LocalSupervisor nana = fake.open()) {
            assertEquals(3, nana.restoredCount());
            assertEquals(ContainerStatus.STOPPED, nana.state("a").status());
            assertEquals(137, nana.state("a").exit().code());
            assertEquals(ContainerStatus.RUNNING, nana.state("b").status());
            assertEquals(ContainerStatus.CREATED, nana.state("d").status());
            // the restored created container starts through its control FIFO
            assertEquals(ContainerStatus.RUNNING, nana.start("d").status());
            // a restored running container's exit is seen live
            nana.kill("b", 15, false);
            assertEquals(143, nana.waitForExit("b").get(20, TimeUnit.SECONDS).code());
            List<Event> replay = new CopyOnWriteArrayList<>();
            try (Subscription _ = nana.subscribe(EventFilter.of("a"), before, replay::add)) {
                FakeRuntime.awaitSize(replay, 3);
                assertEquals(
                        List.of(EventType.CREATE, EventType.START, EventType.EXIT),
                        FakeRuntime.types(replay, "a"));
                assertEquals(137, replay.get(2).exitCode());
            }
        }
        try (LocalSupervisor nana = fake.open()) { // a third start must not tell anything twice
            assertEquals(3, nana.restoredCount());
            nana.delete("d", true);
        }
        try (Journal j = new Journal(state.resolve("events.log"), Journal.DEFAULT_MAX_BYTES)) {
            List<JournalEntry> exitsOfA =
                    j.read(e -> e.id().equals("a") && e.type() == EventType.EXIT);
            assertEquals(1, exitsOfA.size(), "a's exit journaled once: " + exitsOfA);
            assertEquals(1, j.read(e -> e.id().equals("b") && e.type() == EventType.EXIT).size());
        }
    }

    @Test
    void halfWrittenStateFoldersAreSetAsideOrRemovedAndATornJournalIsSurvived() throws Exception {
        try (LocalSupervisor nana = fake.open()) {
            nana.run(fake.spec("good", "exit:0"));
            nana.waitForExit("good").get(20, TimeUnit.SECONDS);
        }
        Files.createDirectories(state.resolve("half"));
        Files.writeString(state.resolve("half").resolve("state.json"), "{\"id\": \"ha");
        Files.createDirectories(state.resolve("empty"));
        Files.writeString(
                state.resolve("events.log"), "{\"seq\":99,\"ti", StandardOpenOption.APPEND);
        try (LocalSupervisor nana = fake.open()) {
            assertEquals(List.of("good"), nana.list().stream().map(ContainerInfo::id).toList());
            List<String> trash = Restorer.trashed(new StateDir(state));
            assertEquals(1, trash.size(), "set aside: " + trash);
            assertTrue(trash.getFirst().startsWith("half."), "a torn state.json is set aside");
            assertFalse(
                    Files.exists(state.resolve("empty")),
                    "a claim with nothing in it (a create cut short) is removed");
            nana.run(fake.spec("next", "exit:0"));
            nana.waitForExit("next").get(20, TimeUnit.SECONDS);
        }
        try (Journal j = new Journal(state.resolve("events.log"), Journal.DEFAULT_MAX_BYTES)) {
            List<Long> seqs = j.readAll().stream().map(JournalEntry::seq).toList();
            assertEquals(
                    IntStream.rangeClosed(1, seqs.size()).mapToObj(Long::valueOf).toList(),
                    seqs,
                    "sequence numbers continue past the torn line");
        }
    }

    @Test
    void aSecondSupervisorOnTheSameDirectoryIsRefused() {
        try (LocalSupervisor _ = fake.open()) {
            var e = assertThrows(UnavailableException.class, fake::open);
            assertTrue(
                    e.getMessage()
                            .contains(
                                    "is in use by another nana supervisor (pid "
                                            + ProcessHandle.current().pid()
                                            + ")"),
                    e.getMessage());
        }
        fake.open().close(); // free again once closed
    }
}
