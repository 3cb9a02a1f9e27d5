package dev.nana.it.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.Container;
import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventSubscriber;
import dev.nana.EventType;
import dev.nana.ExecHandle;
import dev.nana.ExecSpec;
import dev.nana.ExitStatus;
import dev.nana.NanaException;
import dev.nana.Subscription;
import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.os.Command;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The API contract against a real `nana daemon` through nana-client ({@link Supervisor#connect}),
 * and what only a remote supervisor meets: the daemon restarting under a subscription and a wait,
 * and nothing (or the wrong thing) at the socket.
 */
class DaemonApiTest extends ApiContract {
    private NanaCli daemon;

    @Override
    Supervisor open() throws Exception {
        daemon = new NanaCli();
        daemon.startDaemon();
        return Supervisor.connect(daemon.socket);
    }

    @Override
    void shutDown() throws Exception {
        daemon.close();
    }

    @Test
    void aSubscriptionAndAWaitSurviveADaemonRestartWithoutGapOrDuplicate() throws Exception {
        List<Event> seen = new CopyOnWriteArrayList<>();
        List<NanaException> closed = new CopyOnWriteArrayList<>();
        try (Subscription _ =
                nana.subscribe(
                        EventFilter.of("r1", "r2"),
                        new EventSubscriber() {
                            @Override
                            public void onEvent(Event e) {
                                seen.add(e);
                            }

                            @Override
                            public void onClosed(NanaException cause) {
                                closed.add(cause);
                            }
                        })) {
            nana.run(spec("r1", "sleep", "100"));
            CompletableFuture<ExitStatus> exit = nana.waitForExit("r1");
            await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() >= 2); // CREATE, START

            daemon.killDaemon(); // SIGKILL: the stream and the wait break
            Command.Result kill =
                    Command.run(List.of("/usr/sbin/runc", "kill", "r1", "KILL"), null);
            assertTrue(kill.ok(), kill.stderr()); // r1 exits while no daemon runs
            Thread.sleep(1000); // its shim records the exit; the daemon comes back well after
            java.time.Instant restarted = java.time.Instant.now();
            daemon.startDaemon(); // restores r1 and reports its exit

            ExitStatus r1 = exit.get(60, TimeUnit.SECONDS);
            assertEquals(137, r1.code());
            assertTrue(
                    r1.exitedAt().isBefore(restarted),
                    "exited at "
                            + r1.exitedAt()
                            + ", when it did, not at the restart "
                            + restarted);
            nana.run(spec("r2", "true"));
            assertEquals(0, nana.waitForExit("r2").get(30, TimeUnit.SECONDS).code());
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () ->
                                    assertEquals(
                                            List.of(
                                                    "CREATE r1",
                                                    "START r1",
                                                    "EXIT r1",
                                                    "CREATE r2",
                                                    "START r2",
                                                    "EXIT r2"),
                                            seen.stream()
                                                    .map(e -> e.type() + " " + e.id())
                                                    .toList()));
            assertEquals(
                    seen.size(), seen.stream().map(Event::seq).distinct().count(), "no duplicate");
            assertEquals(List.of(), closed, "the subscription never ended");
            assertEquals(EventType.EXIT, seen.get(2).type());
        }
    }

    @Test
    void callsMadeWhileTheDaemonRestartsWaitForItAndARetriedRunReturnsTheSameContainer()
            throws Exception {
        ContainerSpec spec =
                ContainerSpec.builder("kept", bundle)
                        .args("sleep", "100")
                        .requestId("run-1")
                        .build();
        ContainerInfo first = nana.run(spec);
        daemon.killDaemon(); // SIGKILL: nothing listens for a while
        CompletableFuture<List<ContainerInfo>> listed = new CompletableFuture<>();
        CompletableFuture<ContainerInfo> rerun = new CompletableFuture<>();
        Thread.ofVirtual()
                .start(
                        () -> {
                            try {
                                listed.complete(nana.list());
                            } catch (RuntimeException e) {
                                listed.completeExceptionally(e);
                            }
                        });
        Thread.ofVirtual()
                .start(
                        () -> {
                            try {
                                rerun.complete(nana.run(spec)); // as a caller whose run was cut
                            } catch (RuntimeException e) {
                                rerun.completeExceptionally(e);
                            }
                        });
        Thread.sleep(1500); // both wait through the outage
        assertTrue(!listed.isDone() && !rerun.isDone(), "they wait: " + listed + " " + rerun);
        daemon.startDaemon();
        assertEquals(
                List.of("kept"),
                listed.get(60, TimeUnit.SECONDS).stream().map(ContainerInfo::id).toList());
        ContainerInfo again = rerun.get(60, TimeUnit.SECONDS);
        assertEquals(first.pid(), again.pid(), "the same container, restored: not AlreadyExists");
        assertEquals(ContainerStatus.RUNNING, again.status());
    }

    @Test
    void anExecHandleWhoseDaemonIsKilledFailsItsStreamsAndStillGetsItsExit() throws Exception {
        try (Container c = nana.launch(spec("ek", "sleep", "100"));
                ExecHandle e = c.launch(ExecSpec.of("sh", "-c", "echo started; read x; exit 6"))) {
            java.io.BufferedReader out =
                    new java.io.BufferedReader(
                            new java.io.InputStreamReader(e.output(), StandardCharsets.UTF_8));
            assertEquals("started", out.readLine());
            daemon.killDaemon(); // SIGKILL: the exec's stream breaks; the process runs on
            java.io.IOException broken =
                    assertThrows(java.io.IOException.class, () -> out.readLine());
            assertTrue(broken.getMessage().contains("daemon"), broken.getMessage());
            daemon.startDaemon();
            // its exit, once it comes, rides the restart (asked for on its own)
            assertTrue(!e.waitFor(Duration.ofMillis(500)), "it still waits for its input");
            nana.closeInput("ek", e.execId());
            assertEquals(6, e.waitFor().code());
        }
    }

    @Test
    void connectFailsAtOnceOnNothingAFileAFolderOrADeadSocket() throws Exception {
        Path dir = daemon.stateDir;
        Path file = Files.writeString(dir.resolve("not-a-socket"), "x");
        Path dead = dir.resolve("dead.sock");
        // a socket file no one listens on: bound, then its listener gone
        try (var ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(dead));
        }
        for (Path p : List.of(dir.resolve("nothing"), file, dir, dead)) {
            long t0 = System.nanoTime();
            UnavailableException e =
                    assertThrows(UnavailableException.class, () -> Supervisor.connect(p));
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "at once: " + p);
        }
    }
}
