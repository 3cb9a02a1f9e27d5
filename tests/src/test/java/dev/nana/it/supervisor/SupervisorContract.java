package dev.nana.it.supervisor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventType;
import dev.nana.NanaException;
import dev.nana.Subscription;
import dev.nana.it.Fixture;
import dev.nana.it.Procs;
import dev.nana.it.StartManyMain;
import dev.nana.supervisor.LocalSupervisor;
import dev.nana.supervisor.os.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The supervisor with a real runtime (RuncSupervisorTest, CrunSupervisorTest): restore after a
 * close and after a SIGKILL, events that happened while no supervisor ran, and event fan-out.
 */
abstract class SupervisorContract {
    Fixture fx;
    Path bundle;

    abstract String runtime();

    @BeforeEach
    void setUp() throws IOException {
        fx = new Fixture(runtime());
        bundle = Fixture.demoBundle();
    }

    @AfterEach
    void tearDown() throws IOException {
        for (String id : fx.stateDir.toFile().list()) {
            if (!id.startsWith(".") && Files.isDirectory(fx.stateDir.resolve(id)))
                fx.id(id); // clean these up too
        }
        fx.close();
    }

    LocalSupervisor open() {
        return LocalSupervisor.builder().stateDir(fx.stateDir).defaultRuntime(runtime()).build();
    }

    ContainerSpec.Builder spec(String id, String... args) {
        return ContainerSpec.builder(id, bundle).args(args);
    }

    @Test
    void twentyContainersSurviveTheSupervisorAndWhatHappenedMeanwhileIsReported() throws Exception {
        Map<String, Integer> expectedExit = new HashMap<>();
        List<String> running = new ArrayList<>();
        List<String> killed = new ArrayList<>();
        Instant before = Instant.now();
        try (LocalSupervisor nana = open()) {
            List<CompletableFuture<ContainerInfo>> starts = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String id = "c" + i;
                ContainerSpec spec;
                if (i < 12) {
                    spec = spec(id, "sleep", "1000").build();
                    running.add(id);
                } else if (i < 16) {
                    spec = spec(id, "sleep", "1000").build();
                    killed.add(id);
                    expectedExit.put(id, 137);
                } else if (i < 19) {
                    spec = spec(id, "sh", "-c", "sleep 2; exit 7").build();
                    expectedExit.put(id, 7);
                } else {
                    spec =
                            spec(
                                            id,
                                            "sh",
                                            "-c",
                                            "sleep 2; dd if=/dev/zero of=/dev/null bs=64M count=1")
                                    .memoryLimitBytes(16L << 20)
                                    .build();
                    expectedExit.put(id, 137);
                }
                starts.add(CompletableFuture.supplyAsync(() -> nana.run(spec)));
            }
            for (var f : starts)
                assertEquals(ContainerStatus.RUNNING, f.get(120, TimeUnit.SECONDS).status());
        } // closed; every container runs on

        for (String id : killed) {
            Command.Result r =
                    Command.run(List.of(fx.runtime.binary().toString(), "kill", id, "KILL"), null);
            assertTrue(r.ok(), r.stderr());
        }
        Thread.sleep(4000); // the sleepers exit 7, the OOM container is killed

        try (LocalSupervisor nana = open()) {
            assertEquals(20, nana.restoredCount());
            Map<String, ContainerInfo> listed =
                    nana.list().stream().collect(Collectors.toMap(ContainerInfo::id, c -> c));
            assertEquals(20, listed.size());
            for (String id : running)
                assertEquals(ContainerStatus.RUNNING, listed.get(id).status(), id);
            expectedExit.forEach(
                    (id, code) -> {
                        assertEquals(ContainerStatus.STOPPED, listed.get(id).status(), id);
                        assertEquals(code, listed.get(id).exit().code(), id);
                    });
            assertTrue(listed.get("c19").exit().oomKilled(), "the OOM kill in the gap is known");

            List<Event> events = new CopyOnWriteArrayList<>();
            try (Subscription _ = nana.subscribe(EventFilter.ALL, before, events::add)) {
                await().atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(20))
                        .until(
                                () ->
                                        events.stream()
                                                        .filter(e -> e.type() == EventType.EXIT)
                                                        .count()
                                                >= 8);
                Map<String, Integer> exits =
                        events.stream()
                                .filter(e -> e.type() == EventType.EXIT)
                                .collect(Collectors.toMap(Event::id, Event::exitCode));
                assertEquals(expectedExit, exits, "one exit event each, with the right code");
                assertEquals(
                        1,
                        events.stream()
                                .filter(e -> e.type() == EventType.OOM && e.id().equals("c19"))
                                .count());
                assertEquals(20, events.stream().filter(e -> e.type() == EventType.START).count());
            }
            for (String id : listed.keySet()) nana.delete(id, true);
            assertEquals(List.of(), nana.list());
        }
    }

    @Test
    void aSupervisorKilledInTheMiddleOfConcurrentStartsLosesNothingAndLeavesNoTrace()
            throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p =
                new ProcessBuilder(
                                java,
                                "--enable-native-access=ALL-UNNAMED",
                                "-Dnana.home=" + System.getProperty("nana.home"),
                                "-cp",
                                System.getProperty("java.class.path"),
                                StartManyMain.class.getName(),
                                fx.stateDir.toString(),
                                runtime(),
                                bundle.toString(),
                                "20")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
        // kill it once its first shims run: most starts are then under way, some not begun
        // killed mid-start: polled every millisecond, so it dies while containers are being started
        await().atMost(Duration.ofSeconds(60))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(1))
                .until(() -> Procs.shimsUnder(fx.stateDir).size() >= 3 || !p.isAlive());
        assertTrue(p.isAlive(), "the supervisor was still starting containers");
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        int folders = countFolders();
        int shims = Procs.settledShimsUnder(fx.stateDir).size();

        try (LocalSupervisor nana = open()) {
            Map<String, ContainerInfo> listed =
                    nana.list().stream().collect(Collectors.toMap(ContainerInfo::id, c -> c));
            int runningCount = 0;
            for (int i = 0; i < 20; i++) {
                String id = "many-" + i;
                ContainerInfo c = listed.get(id);
                if (c != null) {
                    assertEquals(
                            ContainerStatus.RUNNING, c.status(), id + " is listed, so it must run");
                    assertTrue(Procs.alive(c.pid()), id + "'s process lives");
                    runningCount++;
                } else {
                    assertFalse(Files.exists(fx.stateDir.resolve(id)), id + " is gone: no folder");
                    Command.Result state =
                            Command.run(List.of(fx.runtime.binary().toString(), "state", id), null);
                    assertFalse(state.ok(), id + " is gone: the runtime does not know it");
                }
            }
            assertEquals(
                    shims, runningCount, "every container that had a shim runs, and only those");
            assertFalse(
                    Files.exists(fx.stateDir.resolve(".trash")),
                    "nothing set aside: a cut-short create leaves no trace");
            System.out.printf(
                    "%s: supervisor SIGKILLed amid 20 starts: %d running and listed, %d gone without a trace%n",
                    runtime(), runningCount, 20 - runningCount);
            System.out.printf("%s: at the kill: %d folders, %d shims%n", runtime(), folders, shims);
            assertEquals(
                    runningCount,
                    Procs.shimsUnder(fx.stateDir).size(),
                    "one shim per listed container, no stray");
            for (String id : listed.keySet()) nana.delete(id, true);
        }
    }

    private int countFolders() throws IOException {
        try (var s = Files.list(fx.stateDir)) {
            return (int) s.filter(d -> d.getFileName().toString().startsWith("many-")).count();
        }
    }

    @Test
    void twoSubscribersSeeTheSameEventsInTheSameOrder() throws Exception {
        try (LocalSupervisor nana = open()) {
            List<Event> a = new CopyOnWriteArrayList<>();
            List<Event> b = new CopyOnWriteArrayList<>();
            try (Subscription _ = nana.subscribe(EventFilter.ALL, null, a::add);
                    Subscription _ = nana.subscribe(EventFilter.ALL, null, b::add)) {
                for (int i = 0; i < 5; i++)
                    nana.run(spec("e" + i, "sh", "-c", "exit " + i).build());
                for (int i = 0; i < 5; i++)
                    assertEquals(i, nana.waitForExit("e" + i).get(30, TimeUnit.SECONDS).code());
                await().atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> a.size() >= 15 && b.size() >= 15);
                assertEquals(15, a.size());
                assertEquals(a, b);
                Event third = a.get(2);
                List<Event> replay = new CopyOnWriteArrayList<>();
                try (Subscription _ = nana.subscribe(EventFilter.ALL, third.time(), replay::add)) {
                    await().atMost(Duration.ofSeconds(10))
                            .pollInterval(Duration.ofMillis(10))
                            .until(() -> replay.size() >= 12);
                    assertEquals(
                            a.subList(3, 15),
                            replay,
                            "replay since a time gives exactly the events after it");
                }
            }
            for (int i = 0; i < 5; i++) nana.delete("e" + i, false);
        } catch (NanaException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }
}
