package dev.nana.it.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.cri.v1.AttachRequest;
import dev.nana.cri.v1.ExecRequest;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.RuntimeServiceGrpc;
import dev.nana.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.state.StateDir;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The CRI's streaming calls through nana's streaming server, with the JDK's WebSocket client
 * speaking {@code v5.channel.k8s.io} and {@code v4.channel.k8s.io}: exec and attach, output on its
 * channels, stdin and its close, a terminal's size, the exit code in the status, and URLs that
 * serve once.
 */
class CriStreamTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void execAndAttachStreamOverWebSocket() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-stream-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            OciLayouts.importBusybox(nana, work, "1000");
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                PodSandboxConfig pod = CriCalls.pod("stream", NamespaceMode.POD).build();
                String podId = CriCalls.runPod(cri, pod);
                String c =
                        CriCalls.startContainer(
                                cri, podId, pod, CriCalls.container("app", "sleep 1000"));

                // output on stdout and stderr, the exit code in the status
                Session s =
                        Session.open(
                                url(cri, exec(c, "echo out; echo err >&2; exit 3")),
                                "v5.channel.k8s.io");
                s.awaitEnd();
                assertEquals("v5.channel.k8s.io", s.protocol);
                assertEquals("out\n", s.text(1));
                assertEquals("err\n", s.text(2));
                assertTrue(s.status().contains("\"reason\":\"NonZeroExitCode\""), s.status());
                assertTrue(s.status().contains("\"message\":\"3\""), s.status());

                // stdin, ended by v5's close of channel 0; and a large stream, whole
                int megabytes = 64;
                Session cat =
                        Session.open(
                                url(
                                        cri,
                                        exec(
                                                        c,
                                                        "cat >/dev/null; head -c "
                                                                + ((long) megabytes << 20)
                                                                + " /dev/zero")
                                                .setStdin(true)),
                                "v5.channel.k8s.io");
                cat.send(0, "ignored\n".getBytes(StandardCharsets.UTF_8));
                cat.send(255, new byte[] {0});
                cat.awaitEnd();
                assertEquals((long) megabytes << 20, cat.count(1), "every byte, in order");
                assertEquals(
                        sha256Zeros((long) megabytes << 20), cat.sha256(1), "every byte, whole");
                assertTrue(cat.status().contains("\"status\":\"Success\""), cat.status());

                // v4, a terminal and its size
                Session tty =
                        Session.open(
                                url(
                                        cri,
                                        exec(c, "read x; stty size")
                                                .setTty(true)
                                                .setStdin(true)
                                                .setStderr(false)),
                                "v4.channel.k8s.io");
                tty.send(4, "{\"Width\":77,\"Height\":33}".getBytes(StandardCharsets.UTF_8));
                Thread.sleep(200); // the size reaches the terminal before the line that reads it
                tty.send(0, "\n".getBytes(StandardCharsets.UTF_8));
                tty.awaitEnd();
                assertEquals("v4.channel.k8s.io", tty.protocol);
                assertTrue(tty.text(1).contains("33 77"), tty.text(1));

                // a URL serves one connection
                String once = url(cri, exec(c, "true"));
                Session.open(once, "v5.channel.k8s.io").awaitEnd();
                HttpResponse<String> again =
                        HTTP.send(
                                HttpRequest.newBuilder(URI.create(once)).build(),
                                HttpResponse.BodyHandlers.ofString());
                assertEquals(404, again.statusCode());
                assertTrue(again.body().contains("unknown, used or expired"), again.body());

                // attach: to a container made with stdin (once), its own process's streams from now
                // on
                String echo =
                        CriCalls.startContainer(
                                cri,
                                podId,
                                pod,
                                CriCalls.container(
                                                "echo",
                                                "while read l; do echo got $l; done; echo bye")
                                        .setStdin(true)
                                        .setStdinOnce(true));
                Session att =
                        Session.open(
                                attachUrl(
                                        cri,
                                        AttachRequest.newBuilder()
                                                .setContainerId(echo)
                                                .setStdin(true)
                                                .setStdout(true)
                                                .setStderr(true)),
                                "v5.channel.k8s.io");
                att.send(0, "a\n".getBytes(StandardCharsets.UTF_8));
                att.send(255, new byte[] {0}); // end of its input: the loop ends, and it exits
                att.awaitEnd();
                assertEquals("got a\nbye\n", att.text(1));
                assertTrue(att.status().contains("\"status\":\"Success\""), att.status());

                // a container made with a terminal: attached with one, and sized
                String term =
                        CriCalls.startContainer(
                                cri,
                                podId,
                                pod,
                                CriCalls.container("term", "read l; stty size")
                                        .setStdin(true)
                                        .setTty(true));
                Session tat =
                        Session.open(
                                attachUrl(
                                        cri,
                                        AttachRequest.newBuilder()
                                                .setContainerId(term)
                                                .setStdin(true)
                                                .setTty(true)
                                                .setStdout(true)),
                                "v5.channel.k8s.io");
                tat.send(4, "{\"Width\":81,\"Height\":31}".getBytes(StandardCharsets.UTF_8));
                Thread.sleep(200);
                tat.send(0, "\n".getBytes(StandardCharsets.UTF_8));
                tat.awaitEnd();
                assertTrue(tat.text(1).contains("31 81"), tat.text(1));

                // a client that goes away from an attach only detaches
                Session gone =
                        Session.open(
                                attachUrl(
                                        cri,
                                        AttachRequest.newBuilder()
                                                .setContainerId(c)
                                                .setStdout(true)),
                                "v5.channel.k8s.io");
                gone.ws.abort();
                Thread.sleep(500);
                assertEquals(
                        dev.nana.cri.v1.ContainerState.CONTAINER_RUNNING,
                        CriCalls.status(cri, c).getState());
                StatusRuntimeException noStdin =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        cri.attach(
                                                AttachRequest.newBuilder()
                                                        .setContainerId(c)
                                                        .setStdin(true)
                                                        .build()));
                assertEquals(Status.Code.FAILED_PRECONDITION, noStdin.getStatus().getCode());
                StatusRuntimeException ttyMismatch =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        cri.attach(
                                                AttachRequest.newBuilder()
                                                        .setContainerId(c)
                                                        .setTty(true)
                                                        .setStdout(true)
                                                        .build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, ttyMismatch.getStatus().getCode());

                // what the CRI refuses
                StatusRuntimeException nothing =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        cri.exec(
                                                exec(c, "true")
                                                        .setStdout(false)
                                                        .setStderr(false)
                                                        .build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, nothing.getStatus().getCode());
                StatusRuntimeException ttyErr =
                        assertThrows(
                                StatusRuntimeException.class,
                                () -> cri.exec(exec(c, "true").setTty(true).build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, ttyErr.getStatus().getCode());
                StatusRuntimeException unknown =
                        assertThrows(
                                StatusRuntimeException.class,
                                () -> cri.exec(exec("feedface", "true").build()));
                assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
            }
        } finally {
            StateDir.deleteTree(work);
        }
    }

    @Test
    void aDaemonKilledMidStreamEndsTheStreamAndLeavesTheContainerRunning() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-stream-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            OciLayouts.importBusybox(nana, work, "1000");
            String c;
            Session s;
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                PodSandboxConfig pod = CriCalls.pod("killed", NamespaceMode.POD).build();
                String podId = CriCalls.runPod(cri, pod);
                c =
                        CriCalls.startContainer(
                                cri, podId, pod, CriCalls.container("app", "sleep 1000"));
                s =
                        Session.open(
                                url(cri, exec(c, "while :; do echo tick; sleep 0.05; done")),
                                "v5.channel.k8s.io");
                while (s.count(1) < 10) Thread.sleep(20); // streaming
            }
            nana.killDaemon();
            // the client is told: its connection ends, without a status (the server is gone)
            try {
                s.awaitEnd();
            } catch (java.util.concurrent.ExecutionException told) {
                // an abnormal end, as the JDK's client reports one
            }
            assertEquals("", s.status());
            nana.startDaemon();
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                assertEquals(
                        dev.nana.cri.v1.ContainerState.CONTAINER_RUNNING,
                        CriCalls.status(cri, c).getState(),
                        "the container is unharmed");
                Session after = Session.open(url(cri, exec(c, "echo again")), "v5.channel.k8s.io");
                after.awaitEnd();
                assertEquals("again\n", after.text(1), "and streams again");
            }
        } finally {
            StateDir.deleteTree(work);
        }
    }

    private static ExecRequest.Builder exec(String container, String script) {
        return ExecRequest.newBuilder()
                .setContainerId(container)
                .addCmd("sh")
                .addCmd("-c")
                .addCmd(script)
                .setStdout(true)
                .setStderr(true);
    }

    private static String url(RuntimeServiceBlockingStub cri, ExecRequest.Builder r) {
        String url = cri.exec(r.build()).getUrl();
        assertTrue(url.startsWith("http://127.0.0.1:"), url);
        return url;
    }

    private static String attachUrl(RuntimeServiceBlockingStub cri, AttachRequest.Builder r) {
        String url = cri.attach(r.build()).getUrl();
        assertTrue(url.contains("/attach/"), url);
        return url;
    }

    private static String sha256Zeros(long n) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] zeros = new byte[1 << 16];
        for (long left = n; left > 0; left -= zeros.length)
            d.update(zeros, 0, (int) Math.min(zeros.length, left));
        return HexFormat.of().formatHex(d.digest());
    }

    /** One WebSocket connection: what arrived on each channel, until the server closed it. */
    private static final class Session implements WebSocket.Listener {
        private final ByteArrayOutputStream[] small = new ByteArrayOutputStream[5];
        private final long[] counts = new long[5];
        private final MessageDigest[] digests = new MessageDigest[5];
        private final CompletableFuture<Void> closed = new CompletableFuture<>();
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private WebSocket ws;
        private String protocol;

        static Session open(String url, String protocol) throws Exception {
            Session s = new Session();
            s.ws =
                    HTTP.newWebSocketBuilder()
                            .subprotocols(protocol)
                            .buildAsync(URI.create(url.replaceFirst("^http", "ws")), s)
                            .get(10, TimeUnit.SECONDS);
            s.protocol = s.ws.getSubprotocol();
            return s;
        }

        Session() throws Exception {
            for (int i = 0; i < 5; i++) {
                small[i] = new ByteArrayOutputStream();
                digests[i] = MessageDigest.getInstance("SHA-256");
            }
        }

        void send(int channel, byte[] data) throws Exception {
            if (closed.isDone())
                throw new AssertionError(
                        "the server ended the stream: " + status() + " " + text(1) + text(2));
            ByteBuffer b =
                    ByteBuffer.allocate(data.length + 1).put((byte) channel).put(data).flip();
            ws.sendBinary(b, true).get(10, TimeUnit.SECONDS);
        }

        void awaitEnd() throws Exception {
            closed.get(120, TimeUnit.SECONDS);
        }

        String text(int channel) {
            return small[channel].toString(StandardCharsets.UTF_8);
        }

        long count(int channel) {
            return counts[channel];
        }

        String sha256(int channel) {
            return HexFormat.of().formatHex(digests[channel].digest());
        }

        String status() {
            return text(3);
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            partial.writeBytes(b);
            if (last) {
                byte[] m = partial.toByteArray();
                partial.reset();
                if (m.length > 0) {
                    int ch = m[0] & 0xff;
                    if (ch < 5) {
                        counts[ch] += m.length - 1;
                        digests[ch].update(m, 1, m.length - 1);
                        if (small[ch].size() < 1 << 16) small[ch].write(m, 1, m.length - 1);
                    }
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}
