package dev.nana.it.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.cri.v1.AttachRequest;
import dev.nana.cri.v1.ContainerState;
import dev.nana.cri.v1.ExecRequest;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.PortForwardRequest;
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
 * The CRI's streaming calls over SPDY/3.1, as crictl, kubectl and the kubelet make them (the client
 * here is netty's SPDY codec driven as spdystream drives its own): exec with and without a
 * terminal, stdin, its sizes, exit codes in the v4 status and the older versions' text; attach;
 * port-forward into the pod's network namespace over SPDY and over WebSocket, 64 MiB each way with
 * its sha256 checked; URLs that serve once; a daemon SIGKILLed mid-stream.
 */
class CriSpdyTest {
    private static final long BIG = 64L << 20;

    @Test
    void execAttachAndPortForwardOverSpdy() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-spdy-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            OciLayouts.importBusybox(nana, work, "1000");
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                PodSandboxConfig pod = CriCalls.pod("spdy", NamespaceMode.POD).build();
                String podId = CriCalls.runPod(cri, pod);
                // servers in the pod's own network: one hashes what it is sent, one sends, one
                // sends back what it is sent
                String servers =
                        "nc -ll -p 9001 -e /bin/busybox head -c "
                                + BIG
                                + " /dev/zero & nc -ll -p 9003 -e /bin/busybox head -c "
                                + BIG
                                + " & exec nc -ll -p 9000 -e /bin/busybox sha256sum";
                String c =
                        CriCalls.startContainer(
                                cri, podId, pod, CriCalls.container("app", servers));

                // v4: stdout and stderr on their streams, the exit code in the status
                try (SpdyClient s =
                        SpdyClient.connect(
                                execUrl(cri, c, "echo out; echo err >&2; exit 3", false, false),
                                "v4.channel.k8s.io",
                                "v3.channel.k8s.io")) {
                    assertEquals("v4.channel.k8s.io", s.protocol());
                    int error = s.open("error");
                    int out = s.open("stdout");
                    int err = s.open("stderr");
                    s.received(error).awaitEnd();
                    assertEquals("out\n", s.received(out).text());
                    assertEquals("err\n", s.received(err).text());
                    String status = s.received(error).text();
                    assertTrue(status.contains("\"reason\":\"NonZeroExitCode\""), status);
                    assertTrue(status.contains("\"message\":\"3\""), status);
                    s.awaitClosed();
                }

                // stdin ended by its FIN, then 64 MiB out, whole
                try (SpdyClient s =
                        SpdyClient.connect(
                                execUrl(
                                        cri,
                                        c,
                                        "cat >/dev/null; head -c " + BIG + " /dev/zero",
                                        true,
                                        false),
                                "v4.channel.k8s.io")) {
                    int error = s.open("error");
                    int in = s.open("stdin");
                    int out = s.open("stdout");
                    int err = s.open("stderr");
                    s.write(in, "ignored\n".getBytes(StandardCharsets.UTF_8));
                    s.finish(in);
                    assertFalse(s.received(out).awaitEnd(), "ended by a FIN, not a reset");
                    assertEquals(BIG, s.received(out).count(), "every byte, in order");
                    assertEquals(sha256Zeros(BIG), s.received(out).sha256(), "every byte, whole");
                    s.received(error).awaitEnd();
                    assertTrue(s.received(error).text().contains("\"status\":\"Success\""));
                    assertEquals("", s.received(err).text());
                }

                // a terminal: its first size, sent as the streams open, is the one the command sees
                try (SpdyClient s =
                        SpdyClient.connect(
                                execUrl(cri, c, "stty size", true, true), "v4.channel.k8s.io")) {
                    int error = s.open("error");
                    s.open("stdin");
                    int out = s.open("stdout");
                    int resize = s.open("resize");
                    s.write(
                            resize,
                            "{\"Width\":77,\"Height\":33}\n".getBytes(StandardCharsets.UTF_8));
                    s.received(error).awaitEnd();
                    assertTrue(s.received(out).text().contains("33 77"), s.received(out).text());
                }

                // v2: no status JSON, a failure's message alone
                try (SpdyClient s =
                        SpdyClient.connect(
                                execUrl(cri, c, "exit 5", false, false), "v2.channel.k8s.io")) {
                    int error = s.open("error");
                    s.open("stdout");
                    s.open("stderr");
                    s.received(error).awaitEnd();
                    assertEquals("v2.channel.k8s.io", s.protocol());
                    assertTrue(
                            s.received(error)
                                    .text()
                                    .startsWith("command terminated with non-zero exit code"),
                            s.received(error).text());
                }

                // a version nana does not speak, and a URL used twice
                String url = execUrl(cri, c, "true", false, false);
                SpdyClient.Refused v9 =
                        assertThrows(
                                SpdyClient.Refused.class,
                                () -> SpdyClient.connect(url, "v9.channel.k8s.io"));
                assertEquals(403, v9.status);
                assertTrue(v9.body.contains("v4.channel.k8s.io"), v9.body);
                SpdyClient.Refused again =
                        assertThrows(
                                SpdyClient.Refused.class,
                                () -> SpdyClient.connect(url, "v4.channel.k8s.io"));
                assertEquals(404, again.status);
                assertTrue(again.body.contains("unknown, used or expired"), again.body);

                // attach to a container made with stdin_once: the client's FIN closes its stdin
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
                String attach =
                        cri.attach(
                                        AttachRequest.newBuilder()
                                                .setContainerId(echo)
                                                .setStdin(true)
                                                .setStdout(true)
                                                .setStderr(true)
                                                .build())
                                .getUrl();
                try (SpdyClient s = SpdyClient.connect(attach, "v4.channel.k8s.io")) {
                    int error = s.open("error");
                    int in = s.open("stdin");
                    int out = s.open("stdout");
                    s.open("stderr");
                    s.write(in, "a\n".getBytes(StandardCharsets.UTF_8));
                    s.finish(in);
                    s.received(error).awaitEnd();
                    assertEquals("got a\nbye\n", s.received(out).text());
                }

                // port-forward over SPDY: 64 MiB to the pod's hasher (its answer after our FIN)...
                try (SpdyClient s =
                        SpdyClient.connect(portForwardUrl(cri, podId), "portforward.k8s.io")) {
                    assertEquals("portforward.k8s.io", s.protocol());
                    int error = s.openPort("error", 9000, "0");
                    int data = s.openPort("data", 9000, "0");
                    byte[] chunk = new byte[1 << 20];
                    for (long sent = 0; sent < BIG; sent += chunk.length) s.write(data, chunk);
                    s.finish(data);
                    assertFalse(s.received(data).awaitEnd());
                    assertEquals(sha256Zeros(BIG) + "  -\n", s.received(data).text());
                    assertEquals("", s.received(error).text());

                    // ...64 MiB from the pod, on a second pair of the same connection...
                    int error1 = s.openPort("error", 9001, "1");
                    int data1 = s.openPort("data", 9001, "1");
                    s.received(data1).awaitEnd();
                    assertEquals(BIG, s.received(data1).count());
                    assertEquals(sha256Zeros(BIG), s.received(data1).sha256());
                    assertEquals("", s.received(error1).text());

                    // ...and a port nothing listens on, told on its error stream
                    int error2 = s.openPort("error", 9002, "2");
                    int data2 = s.openPort("data", 9002, "2");
                    s.received(error2).awaitEnd();
                    s.received(data2).awaitEnd();
                    assertTrue(
                            s.received(error2)
                                    .text()
                                    .contains("error forwarding port 9002 to pod " + podId),
                            s.received(error2).text());

                    // ...and, as kubectl does, a connection after another on the same one, more
                    // than its limits hold at once: ended streams and pairs count no more
                    String x = sha256("x") + "  -\n";
                    for (int i = 3; i < 3 + 150; i++) {
                        String rid = Integer.toString(i);
                        int e = s.openPort("error", 9000, rid);
                        s.finish(e); // kubectl writes nothing on it
                        int d = s.openPort("data", 9000, rid);
                        s.write(d, "x".getBytes(StandardCharsets.UTF_8));
                        s.finish(d);
                        s.received(d).awaitEnd();
                        assertEquals(x, s.received(d).text(), "connection " + i);
                    }
                }

                // port-forward over WebSocket, as the kubelet serves it: the port first, then data
                PortForwardSocket ws =
                        PortForwardSocket.open(portForwardUrl(cri, podId) + "?port=9001");
                ws.closed.get(120, TimeUnit.SECONDS);
                assertEquals(
                        "2923",
                        HexFormat.of().formatHex(ws.first[0]),
                        "port 9001 (0x2329), little-endian");
                assertEquals(BIG, ws.counts[0]);
                assertEquals(sha256Zeros(BIG), HexFormat.of().formatHex(ws.digests[0].digest()));
                // and to the pod: 64 MiB sent, the same sent back
                PortForwardSocket back =
                        PortForwardSocket.open(portForwardUrl(cri, podId) + "?port=9003");
                // channel 0, then 512 KiB of zeros (a message is at most 1 MiB)
                byte[] message = new byte[(1 << 19) + 1];
                for (long sent = 0; sent < BIG; sent += 1 << 19)
                    back.ws.sendBinary(ByteBuffer.wrap(message), true).get(30, TimeUnit.SECONDS);
                back.closed.get(120, TimeUnit.SECONDS);
                assertEquals(BIG, back.counts[0], "every byte there and back");
                assertEquals(sha256Zeros(BIG), HexFormat.of().formatHex(back.digests[0].digest()));

                // what the CRI refuses
                StatusRuntimeException badPort =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        cri.portForward(
                                                PortForwardRequest.newBuilder()
                                                        .setPodSandboxId(podId)
                                                        .addPort(70000)
                                                        .build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, badPort.getStatus().getCode());
                StatusRuntimeException noPod =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        cri.portForward(
                                                PortForwardRequest.newBuilder()
                                                        .setPodSandboxId("feedface")
                                                        .addPort(80)
                                                        .build()));
                assertEquals(Status.Code.NOT_FOUND, noPod.getStatus().getCode());
            }
        } finally {
            StateDir.deleteTree(work);
        }
    }

    @Test
    void aDaemonKilledMidStreamEndsTheSpdyConnectionAndLeavesTheContainerRunning()
            throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-spdy-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            OciLayouts.importBusybox(nana, work, "1000");
            String c;
            SpdyClient s;
            int out;
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                PodSandboxConfig pod = CriCalls.pod("spdy-killed", NamespaceMode.POD).build();
                String podId = CriCalls.runPod(cri, pod);
                c =
                        CriCalls.startContainer(
                                cri, podId, pod, CriCalls.container("app", "sleep 1000"));
                s =
                        SpdyClient.connect(
                                execUrl(
                                        cri,
                                        c,
                                        "while :; do echo tick; sleep 0.05; done",
                                        false,
                                        false),
                                "v4.channel.k8s.io");
                s.open("error");
                out = s.open("stdout");
                s.open("stderr");
                while (s.received(out).count() < 10) Thread.sleep(20); // streaming
            }
            nana.killDaemon();
            try (s) {
                s.awaitClosed(); // the client is told: its connection ends
                assertTrue(s.received(out).awaitEnd(), "cut, not ended by a FIN");
            }
            nana.startDaemon();
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                assertEquals(
                        ContainerState.CONTAINER_RUNNING,
                        CriCalls.status(cri, c).getState(),
                        "the container is unharmed");
                assertEquals(
                        "again\n",
                        SpdyClient.stdoutOf(execUrl(cri, c, "echo again", false, false)),
                        "and streams again");
            }
        } finally {
            StateDir.deleteTree(work);
        }
    }

    @Test
    void aUrlNotConnectedToInItsTimeToLiveIsRefused() throws Exception {
        try (CriPod p = CriPod.start("spdy-ttl", "sleep 1000", "--stream-url-ttl", "1")) {
            RuntimeServiceBlockingStub cri = p.cri;
            String podId = p.podId;
            String c = p.container;
            String exec = execUrl(cri, c, "echo late", false, false);
            String forward = portForwardUrl(cri, podId);
            // within its time a URL serves: what is refused below is refused for its age
            assertEquals(
                    "fresh\n", SpdyClient.stdoutOf(execUrl(cri, c, "echo fresh", false, false)));
            Thread.sleep(1500); // past the 1 s time to live of the two URLs asked above

            SpdyClient.Refused spdy =
                    assertThrows(
                            SpdyClient.Refused.class,
                            () -> SpdyClient.connect(exec, "v4.channel.k8s.io"));
            assertEquals(404, spdy.status);
            assertTrue(spdy.body.contains("unknown, used or expired"), spdy.body);

            HttpClient http = HttpClient.newHttpClient();
            var ws =
                    assertThrows(
                            java.util.concurrent.ExecutionException.class,
                            () ->
                                    http.newWebSocketBuilder()
                                            .subprotocols("v4.channel.k8s.io")
                                            .buildAsync(
                                                    URI.create(
                                                            forward.replaceFirst("^http", "ws")
                                                                    + "?port=80"),
                                                    new WebSocket.Listener() {})
                                            .get(10, TimeUnit.SECONDS));
            var refused =
                    assertInstanceOf(
                            java.net.http.WebSocketHandshakeException.class, ws.getCause());
            assertEquals(404, refused.getResponse().statusCode());
        }
    }

    private static String execUrl(
            RuntimeServiceBlockingStub cri,
            String container,
            String script,
            boolean stdin,
            boolean tty) {
        return cri.exec(
                        ExecRequest.newBuilder()
                                .setContainerId(container)
                                .addCmd("sh")
                                .addCmd("-c")
                                .addCmd(script)
                                .setStdin(stdin)
                                .setTty(tty)
                                .setStdout(true)
                                .setStderr(!tty)
                                .build())
                .getUrl();
    }

    private static String portForwardUrl(RuntimeServiceBlockingStub cri, String podId) {
        String url =
                cri.portForward(PortForwardRequest.newBuilder().setPodSandboxId(podId).build())
                        .getUrl();
        assertTrue(url.contains("/portforward/"), url);
        return url;
    }

    static String sha256(String text) throws Exception {
        return HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("SHA-256")
                                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    static String sha256Zeros(long n) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] zeros = new byte[1 << 16];
        for (long left = n; left > 0; left -= zeros.length)
            d.update(zeros, 0, (int) Math.min(zeros.length, left));
        return HexFormat.of().formatHex(d.digest());
    }

    /**
     * A WebSocket port-forward of one port ({@code v4.channel.k8s.io}): channel 0 data, 1 error;
     * each channel's first message (the port) kept apart, the rest counted and hashed.
     */
    private static final class PortForwardSocket implements WebSocket.Listener {
        final byte[][] first = new byte[2][];
        final long[] counts = new long[2];
        final MessageDigest[] digests = new MessageDigest[2];
        final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        WebSocket ws;

        static PortForwardSocket open(String url) throws Exception {
            PortForwardSocket s = new PortForwardSocket();
            s.ws =
                    HttpClient.newHttpClient()
                            .newWebSocketBuilder()
                            .subprotocols("v4.channel.k8s.io")
                            .buildAsync(URI.create(url.replaceFirst("^http", "ws")), s)
                            .get(10, TimeUnit.SECONDS);
            return s;
        }

        PortForwardSocket() throws Exception {
            for (int i = 0; i < 2; i++) digests[i] = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            partial.writeBytes(b);
            if (last) {
                byte[] m = partial.toByteArray();
                partial.reset();
                int ch = m.length > 0 ? m[0] & 0xff : -1;
                if (ch == 0 || ch == 1) {
                    if (first[ch] == null) first[ch] = java.util.Arrays.copyOfRange(m, 1, m.length);
                    else {
                        counts[ch] += m.length - 1;
                        digests[ch].update(m, 1, m.length - 1);
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
