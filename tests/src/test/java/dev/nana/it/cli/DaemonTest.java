package dev.nana.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nana.grpc.v1.ContainersGrpc;
import dev.nana.grpc.v1.CreateRequest;
import dev.nana.grpc.v1.DeleteRequest;
import dev.nana.grpc.v1.Event;
import dev.nana.grpc.v1.EventType;
import dev.nana.grpc.v1.EventsRequest;
import dev.nana.grpc.v1.GetRequest;
import dev.nana.grpc.v1.Status;
import dev.nana.grpc.v1.WaitRequest;
import dev.nana.it.Fixture;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.LocalSupervisor;
import dev.nana.supervisor.os.Command;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * `nana daemon` as a process: restarts, crashes, its socket, and clients generated from nana.proto.
 */
class DaemonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aDaemonSigkilledAndRestartedWhileContainersRunAndExitLosesNothing() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            String t0 = Instant.now().toString();
            assertEquals(0, nana.run("run", "-d", "a", "--", "sleep", "100").exit());
            assertEquals(0, nana.run("run", "-d", "b", "--", "sh", "-c", "sleep 2; exit 5").exit());
            assertEquals(0, nana.run("run", "-d", "c", "--", "sleep", "100").exit());
            nana.killDaemon(); // SIGKILL
            Command.Result kill = Command.run(List.of("/usr/sbin/runc", "kill", "a", "KILL"), null);
            assertTrue(kill.ok(), kill.stderr());
            Thread.sleep(3000); // b exits 5 meanwhile

            nana.startDaemon();
            Map<String, JsonNode> ps =
                    StreamSupport.stream(
                                    JSON.readTree(nana.run("ps", "--format", "json").out())
                                            .spliterator(),
                                    false)
                            .collect(Collectors.toMap(n -> n.path("id").asText(), n -> n));
            assertEquals(3, ps.size());
            assertEquals("stopped", ps.get("a").path("status").asText());
            assertEquals(137, ps.get("a").path("exitStatus").asInt());
            assertEquals("stopped", ps.get("b").path("status").asText());
            assertEquals(5, ps.get("b").path("exitStatus").asInt());
            assertEquals("running", ps.get("c").path("status").asText());
            String exits =
                    nana.run("events", "--since", t0, "--no-follow", "--filter", "type=exit").out();
            assertEquals(
                    List.of("exit a exitCode=137", "exit b exitCode=5"),
                    exits.lines().map(l -> l.substring(l.indexOf(' ') + 1)).sorted().toList(),
                    exits);
            assertEquals(0, nana.run("rm", "-f", "a", "b", "c").exit());
        }
    }

    @Test
    void aStoppingDaemonEndsItsStreamsAndWaitsSayingSoAndExits() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            Process daemon = nana.startDaemon();
            assertEquals(0, nana.run("run", "-d", "s", "--", "sleep", "100").exit());
            GrpcChannel grpc = GrpcChannel.open(nana.socket);
            ManagedChannel channel = grpc.channel();
            try {
                CompletableFuture<Throwable> events = new CompletableFuture<>();
                ContainersGrpc.newStub(channel)
                        .events(EventsRequest.getDefaultInstance(), ending(events));
                CompletableFuture<Throwable> wait = new CompletableFuture<>();
                ContainersGrpc.newStub(channel)
                        .wait(WaitRequest.newBuilder().setId("s").build(), ending(wait));
                // a thin client following events too
                ProcessBuilder pb =
                        new ProcessBuilder(NanaCli.bin().toString(), "events")
                                .redirectErrorStream(true);
                pb.environment().put("NANA_STATE_DIR", nana.stateDir.toString());
                pb.environment().put("NANA_ADDRESS", nana.socket.toString());
                Process follower = pb.start();
                Thread.sleep(1000); // all three are open

                daemon.destroy(); // SIGTERM
                assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), "the daemon exits");
                for (var f : List.of(events, wait)) {
                    Throwable t = f.get(10, TimeUnit.SECONDS);
                    assertTrue(t instanceof StatusRuntimeException, String.valueOf(t));
                    assertEquals(
                            io.grpc.Status.Code.UNAVAILABLE,
                            ((StatusRuntimeException) t).getStatus().getCode());
                    assertTrue(t.getMessage().contains("is stopping"), t.getMessage());
                }
                assertTrue(follower.waitFor(30, TimeUnit.SECONDS), "nana events ends");
                String said =
                        new String(
                                follower.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                // the command's own end ("no more events come"), or the thin client's when the
                // daemon's process was gone first
                assertTrue(follower.exitValue() != 0, said);
                assertTrue(
                        said.contains("no more events come")
                                || said.contains("the daemon closed the connection"),
                        said);
            } finally {
                grpc.close();
            }
            assertTrue(
                    Command.run(List.of("/usr/sbin/runc", "state", "s"), null)
                            .stdout()
                            .contains("running"),
                    "its container runs on");
            nana.startDaemon(); // for the clean-up
        }
    }

    /** An observer whose future completes with how its call ended (null when completed). */
    private static <T> StreamObserver<T> ending(CompletableFuture<Throwable> ended) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {}

            @Override
            public void onError(Throwable t) {
                ended.complete(t);
            }

            @Override
            public void onCompleted() {
                ended.complete(null);
            }
        };
    }

    @Test
    void aSecondDaemonIsRefusedNamingTheFirst() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            Process first = nana.startDaemon();
            NanaCli.Run second =
                    nana.run("daemon", "--socket", nana.stateDir.resolve("other.sock").toString());
            assertEquals(125, second.exit());
            assertTrue(
                    second.err()
                            .contains(
                                    "in use by another nana supervisor (pid " + first.pid() + ")"),
                    second.err());
            assertTrue(nana.listening(), "the first one still serves");
        }
    }

    @Test
    void aDaemonStartedWhileACliWorksInProcessWaitsForIt() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            // a CLI took the state directory while no daemon ran (as bin/nana does then)
            var cli = LocalSupervisor.builder().stateDir(nana.stateDir).build();
            Thread.ofPlatform()
                    .start(
                            () -> {
                                try {
                                    Thread.sleep(1500);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                cli.close();
                            });
            nana.startDaemon(); // fails unless it waits for the CLI instead of refusing
            assertEquals(0, nana.run("ps").exit());
        }
    }

    @Test
    void theSocketIsRootOnlyAndAnotherUserIsRefused() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(nana.socket)));
            NanaCli.Run r = asNobody(nana, List.of("ps"), false);
            assertEquals(125, r.exit(), r.out() + r.err());
            assertTrue(r.err().contains("permission denied on the nana daemon's socket"), r.err());
        }
    }

    @Test
    void aGroupSocketIs0660AndServesAMemberOfTheGroup() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon("--group", "nogroup");
            assertEquals(
                    "rw-rw----",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(nana.socket)));
            assertEquals("nogroup", Files.getAttribute(nana.socket, "posix:group").toString());
            NanaCli.Run outsider = asNobody(nana, List.of("ps"), false);
            assertEquals(
                    125, outsider.exit(), "nobody without the group is refused: " + outsider.err());
            NanaCli.Run member = asNobody(nana, List.of("ps"), true);
            assertEquals(0, member.exit(), member.err());
            assertTrue(member.out().startsWith("ID"), member.out());
        }
    }

    /**
     * Runs the thin client as the unprivileged user nobody (in the group nogroup, or only in
     * users), from a copy where nobody may run it whatever the permissions of the checkout; the
     * state directory is made traversable so the socket is reachable.
     */
    private static NanaCli.Run asNobody(NanaCli nana, List<String> args, boolean inNogroup)
            throws Exception {
        Files.setPosixFilePermissions(nana.stateDir, PosixFilePermissions.fromString("rwx--x--x"));
        Path client = Files.createTempFile(Path.of("/tmp"), "nana-client-", "");
        try {
            Files.copy(
                    Path.of(
                            System.getProperty("nana.home"),
                            "build",
                            "native",
                            "bin",
                            "nana-client"),
                    client,
                    StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(client, PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> cmd = new ArrayList<>(List.of("runuser", "-u", "nobody"));
            cmd.addAll(
                    List.of(
                            "-g",
                            inNogroup ? "nogroup" : "users")); // nobody's own group is nogroup
            cmd.add("--");
            cmd.add(client.toString());
            cmd.addAll(args);
            return nana.exec(cmd, null);
        } finally {
            Files.deleteIfExists(client);
            Files.setPosixFilePermissions(
                    nana.stateDir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void aClientGeneratedFromTheProtoDrivesTheDaemonAndHealthAndReflectionAnswer()
            throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            GrpcChannel grpc = GrpcChannel.open(nana.socket);
            ManagedChannel channel = grpc.channel();
            try {
                assertEquals(
                        HealthCheckResponse.ServingStatus.SERVING,
                        HealthGrpc.newBlockingStub(channel)
                                .check(
                                        HealthCheckRequest.newBuilder()
                                                .setService("nana.v1.Containers")
                                                .build())
                                .getStatus());

                CompletableFuture<List<String>> services = new CompletableFuture<>();
                var reflection =
                        ServerReflectionGrpc.newStub(channel)
                                .serverReflectionInfo(
                                        new StreamObserver<>() {
                                            @Override
                                            public void onNext(ServerReflectionResponse r) {
                                                services.complete(
                                                        r
                                                                .getListServicesResponse()
                                                                .getServiceList()
                                                                .stream()
                                                                .map(s -> s.getName())
                                                                .toList());
                                            }

                                            @Override
                                            public void onError(Throwable t) {
                                                services.completeExceptionally(t);
                                            }

                                            @Override
                                            public void onCompleted() {}
                                        });
                reflection.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
                assertTrue(
                        services.get(10, TimeUnit.SECONDS).contains("nana.v1.Containers"),
                        services.get().toString());
                reflection.onCompleted();

                var api = ContainersGrpc.newBlockingStub(channel);
                Iterator<Event> events = api.events(EventsRequest.newBuilder().addIds("g").build());
                var created =
                        api.run(
                                CreateRequest.newBuilder()
                                        .setId("g")
                                        .setBundle(Fixture.demoBundle().toString())
                                        .addAllArgs(List.of("sh", "-c", "exit 4"))
                                        .build());
                assertEquals(Status.STATUS_RUNNING, created.getStatus());
                assertEquals(4, api.wait(WaitRequest.newBuilder().setId("g").build()).getCode());
                assertEquals(
                        Status.STATUS_STOPPED,
                        api.get(GetRequest.newBuilder().setId("g").build()).getStatus());
                assertEquals(EventType.EVENT_TYPE_CREATE, events.next().getType());
                assertEquals(EventType.EVENT_TYPE_START, events.next().getType());
                Event exit = events.next();
                assertEquals(EventType.EVENT_TYPE_EXIT, exit.getType());
                assertEquals(4, exit.getExitCode());
                api.delete(DeleteRequest.newBuilder().setId("g").build());

                StatusRuntimeException notFound =
                        org.junit.jupiter.api.Assertions.assertThrows(
                                StatusRuntimeException.class,
                                () -> api.get(GetRequest.newBuilder().setId("g").build()));
                assertEquals(io.grpc.Status.Code.NOT_FOUND, notFound.getStatus().getCode());
                assertTrue(notFound.getStatus().getDescription().contains("no container \"g\""));
                StatusRuntimeException invalid =
                        org.junit.jupiter.api.Assertions.assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        api.run(
                                                CreateRequest.newBuilder()
                                                        .setId("../x")
                                                        .setBundle("/b")
                                                        .build()));
                assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());
                assertFalse(Files.exists(nana.stateDir.resolve("g")));
            } finally {
                grpc.close();
            }
        }
    }

    @Test
    void theDaemonServesPrometheusMetricsWhenAsked() throws Exception {
        int port;
        try (var probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon("--metrics-address", "127.0.0.1:" + port);
            assertEquals(0, nana.run("run", "--rm", "m1", "--", "true").exit());
            assertEquals(0, nana.run("run", "-d", "m2", "--", "sleep", "100").exit());
            var http = HttpClient.newHttpClient();
            String text =
                    http.send(
                                    HttpRequest.newBuilder(
                                                    URI.create(
                                                            "http://127.0.0.1:"
                                                                    + port
                                                                    + "/metrics"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
            assertTrue(text.contains("nana_containers{state=\"running\"} 1\n"), text);
            assertTrue(text.contains("nana_starts_total 2\n"), text);
            assertTrue(text.contains("nana_exits_total 1\n"), text);
            assertTrue(text.contains("nana_start_seconds_count 2\n"), text);
            assertTrue(text.contains("nana_event_loop_queue_depth "), text);
            assertTrue(text.contains("nana_event_subscribers "), text);
            assertEquals(0, nana.run("rm", "-f", "m2").exit());
        }
    }

    @Test
    void gRpcLoadsForItsFirstClientAndClientsThatRaceItAreAllServed() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            // the thin CLI needs no gRPC
            assertEquals(0, nana.run("run", "-d", "g1", "--", "sleep", "100").exit());
            Path maps = Path.of("/proc/" + nana.daemonPid() + "/maps");
            // Netty's epoll library is mapped when gRPC starts
            assertFalse(Files.readString(maps).contains("netty_transport_native_epoll"));

            // eight clients at once: some reach the first socket (relayed), the rest gRPC's own
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(
                        CompletableFuture.supplyAsync(
                                () -> {
                                    try (GrpcChannel grpc = GrpcChannel.open(nana.socket)) {
                                        var health =
                                                HealthGrpc.newBlockingStub(grpc.channel())
                                                        .check(
                                                                HealthCheckRequest.newBuilder()
                                                                        .build())
                                                        .getStatus();
                                        var c =
                                                ContainersGrpc.newBlockingStub(grpc.channel())
                                                        .get(
                                                                GetRequest.newBuilder()
                                                                        .setId("g1")
                                                                        .build());
                                        return health + " " + c.getId() + " " + c.getStatus();
                                    }
                                },
                                java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
            }
            for (var a : answers)
                assertEquals("SERVING g1 STATUS_RUNNING", a.get(60, TimeUnit.SECONDS));
            assertTrue(Files.readString(maps).contains("netty_transport_native_epoll"));
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(nana.socket)),
                    "gRPC's socket is as private as the first one");
            nana.run("rm", "-f", "g1");
        }
    }

    @Test
    void theJavaClientHasTheSupervisorInterface() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            try (dev.nana.Supervisor s = dev.nana.Supervisor.connect(nana.socket)) {
                s.run(
                        dev.nana.ContainerSpec.builder("j", Fixture.demoBundle())
                                .args("sh", "-c", "exit 6")
                                .build());
                assertEquals(6, s.waitForExit("j").get(30, TimeUnit.SECONDS).code());
                assertEquals(dev.nana.ContainerStatus.STOPPED, s.state("j").status());
                org.junit.jupiter.api.Assertions.assertThrows(
                        dev.nana.FailedPreconditionException.class, () -> s.start("j"));
                s.delete("j", false);
                org.junit.jupiter.api.Assertions.assertThrows(
                        dev.nana.NotFoundException.class, () -> s.state("j"));
            }
        }
    }
}
