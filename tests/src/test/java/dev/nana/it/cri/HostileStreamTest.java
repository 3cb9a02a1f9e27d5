package dev.nana.it.cri;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.cri.v1.ExecRequest;
import dev.nana.cri.v1.PortForwardRequest;
import dev.nana.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.nana.it.NanaCli;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The streaming server against clients that break its protocols: one that never sends its request,
 * one that goes quiet, garbage before and after an upgrade, a request line and headers past their
 * bound, a body where none belongs. Each gets its connection closed (with a status where HTTP still
 * applies), and the daemon streams on for everyone else.
 */
class HostileStreamTest {
    @Test
    void brokenClientsAreClosedAndTheServerStreamsOn() throws Exception {
        try (CriPod p =
                CriPod.start("hostile-stream", "sleep 1000", "--stream-idle-timeout", "2")) {
            RuntimeServiceBlockingStub cri = p.cri;
            String c = p.container;
            URI server = URI.create(execUrl(cri, c, "true"));
            List<String> told = new ArrayList<>();

            // silent from the start, and silent after an upgrade: closed by the idle timeout
            try (Socket silent = connect(server)) {
                assertEquals(-1, silent.getInputStream().read(), "closed, nothing said");
            }
            try (SpdyClient quiet =
                    SpdyClient.connect(execUrl(cri, c, "sleep 100"), "v4.channel.k8s.io")) {
                quiet.open("error"); // and never the rest
                quiet.awaitClosed();
            }

            // garbage instead of a request
            byte[] noise = new byte[4096];
            new Random(7).nextBytes(noise);
            told.add(exchange(server, noise));

            // a request line and headers past their bound, a body past its bound
            told.add(
                    exchange(
                            server,
                            ("GET /exec/" + "x".repeat(20_000) + " HTTP/1.1\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII)));
            told.add(
                    exchange(
                            server,
                            ("GET /exec/x HTTP/1.1\r\nX-Big: " + "y".repeat(40_000) + "\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII)));
            told.add(
                    exchange(
                            server,
                            ("POST /exec/x HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n"
                                            + "z".repeat(1 << 20))
                                    .getBytes(StandardCharsets.US_ASCII)));
            for (String answer : told)
                assertTrue(
                        answer.isEmpty() || answer.startsWith("HTTP/1.1 4"),
                        "a 4xx or a close: " + answer);

            // garbage after a SPDY upgrade: that connection goes
            try (SpdyClient broken =
                    SpdyClient.connect(execUrl(cri, c, "sleep 100"), "v4.channel.k8s.io")) {
                broken.writeRaw(noise);
                broken.awaitClosed();
            }

            // and everyone else is served
            assertEquals("still\n", SpdyClient.stdoutOf(execUrl(cri, c, "echo still")));
        }
    }

    @Test
    void aSpdyClientThatStopsReadingHoldsBackItsOwnCommandOnly() throws Exception {
        String flood = "head -c 1073741824 /dev/zero"; // 1 GiB: 32 times the daemon's heap
        try (CriPod p = CriPod.start("stalled", "sleep 1000")) {
            RuntimeServiceBlockingStub cri = p.cri;
            NanaCli nana = p.nana;
            String c = p.container;
            SpdyClient stalled = SpdyClient.connect(execUrl(cri, c, flood), "v4.channel.k8s.io");
            stalled.open("error");
            int out = stalled.open("stdout");
            stalled.open("stderr");
            stalled.stopReading();
            await().atMost(Duration.ofSeconds(60)).until(() -> !processesRunning(flood).isEmpty());
            Thread.sleep(3000); // the flood fills every buffer between it and the client
            long held = stalled.received(out).count();
            assertTrue(held < 64L << 20, "the client read little: " + held);

            // the daemon holds a frame, not the flood, and serves everyone else
            long rssKb = rssKb(nana.daemonPid());
            assertTrue(rssKb < 512 * 1024, "the daemon's RSS is " + rssKb + " kB");
            assertEquals("still\n", SpdyClient.stdoutOf(execUrl(cri, c, "echo still")));
            assertEquals(
                    1,
                    processesRunning(flood).size(),
                    "the flood waits, as a writer to a full pipe does");

            // the client goes: its command is not left waiting on it
            stalled.close();
            await().atMost(Duration.ofSeconds(60)).until(() -> processesRunning(flood).isEmpty());
            assertEquals(
                    dev.nana.cri.v1.ContainerState.CONTAINER_RUNNING,
                    CriCalls.status(cri, c).getState(),
                    "the container is unharmed");
        }
    }

    @Test
    void clientsThatFillTheCapsAreRefusedOnePastThemAndServedOnceBelow() throws Exception {
        List<Socket> silent = new ArrayList<>();
        try (CriPod p = CriPod.start("caps", "exec nc -ll -p 9000 -e /bin/busybox cat")) {
            RuntimeServiceBlockingStub cri = p.cri;
            String podId = p.podId;
            String c = p.container;
            String url =
                    cri.portForward(PortForwardRequest.newBuilder().setPodSandboxId(podId).build())
                            .getUrl();
            try (SpdyClient s = SpdyClient.connect(url, "portforward.k8s.io")) {
                // 128 forwarded connections open at once: 256 streams, both caps full
                int[] data = new int[128];
                for (int i = 0; i < data.length; i++) {
                    String rid = Integer.toString(i);
                    s.openPort("error", 9000, rid);
                    data[i] = s.openPort("data", 9000, rid);
                    byte[] hello = ("hello " + i + "\n").getBytes(StandardCharsets.UTF_8);
                    s.write(data[i], hello);
                    int n = i;
                    await().atMost(Duration.ofSeconds(30))
                            .until(() -> s.received(data[n]).count() == hello.length);
                }
                // one past them is refused, and the 128 still echo
                assertThrows(ExecutionException.class, () -> s.openPort("error", 9000, "past"));
                s.write(data[127], "still\n".getBytes(StandardCharsets.UTF_8));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> s.received(data[127]).text().endsWith("still\n"));

                // a connection ended on both sides counts no more: the next one is served
                s.finish(data[0]);
                s.finish(data[0] - 2); // its error stream, which kubectl ends at once
                assertFalse(s.received(data[0]).awaitEnd(), "ended by the pod's side too");
                s.received(data[0] - 2).awaitEnd();
                int e = s.openPort("error", 9000, "new");
                int d = s.openPort("data", 9000, "new");
                s.write(d, "again\n".getBytes(StandardCharsets.UTF_8));
                s.finish(d);
                s.finish(e);
                s.received(d).awaitEnd();
                assertEquals("again\n", s.received(d).text());

                // 1,024 connections, this one among them: one more is closed as it comes, long
                // before a silent connection's 30 s
                URI server = URI.create(url);
                for (int i = 0; i < 1023; i++) silent.add(connect(server));
                try (Socket past = new Socket(server.getHost(), server.getPort())) {
                    past.setSoTimeout(15_000);
                    assertEquals(-1, past.getInputStream().read(), "closed at once");
                }
                Socket last = silent.getLast();
                last.setSoTimeout(500);
                assertThrows(
                        java.net.SocketTimeoutException.class,
                        () -> last.getInputStream().read(),
                        "the 1,024th is open still, waiting for its request");
            }
            // below the cap again, a client is served
            for (Socket q : silent) q.close();
            silent.clear();
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(
                            () -> {
                                return SpdyClient.stdoutOf(execUrl(cri, c, "echo served"))
                                        .equals("served\n");
                            });
        } finally {
            for (Socket q : silent) q.close();
        }
    }

    /**
     * The pids of the processes (any namespace) with command among their arguments (busybox's sh
     * runs head itself: the flood is {@code sh -c COMMAND}).
     */
    private static List<Long> processesRunning(String command) {
        String want = "\0" + command + "\0";
        return ProcessHandle.allProcesses()
                .filter(
                        p -> {
                            try {
                                return Files.readString(Path.of("/proc", p.pid() + "", "cmdline"))
                                        .contains(want);
                            } catch (java.io.IOException gone) {
                                return false;
                            }
                        })
                .map(ProcessHandle::pid)
                .toList();
    }

    private static long rssKb(long pid) throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc", pid + "", "status")).stream()
                .filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                .findFirst()
                .orElseThrow();
    }

    private static String execUrl(RuntimeServiceBlockingStub cri, String container, String script) {
        return cri.exec(
                        ExecRequest.newBuilder()
                                .setContainerId(container)
                                .addCmd("sh")
                                .addCmd("-c")
                                .addCmd(script)
                                .setStdout(true)
                                .setStderr(true)
                                .build())
                .getUrl();
    }

    private static Socket connect(URI server) throws Exception {
        Socket s = new Socket(server.getHost(), server.getPort());
        s.setSoTimeout(30_000);
        return s;
    }

    /** Sends bytes, then reads what the server answers until it closes; its first line. */
    private static String exchange(URI server, byte[] bytes) throws Exception {
        try (Socket s = connect(server)) {
            OutputStream out = s.getOutputStream();
            try {
                out.write(bytes);
                out.flush();
            } catch (java.io.IOException closedMidWay) {
                // the server closed before taking it all: an answer too
            }
            InputStream in = s.getInputStream();
            byte[] answer;
            try {
                answer = in.readAllBytes();
            } catch (java.net.SocketException reset) {
                return "";
            }
            String text = new String(answer, StandardCharsets.ISO_8859_1);
            int eol = text.indexOf('\r');
            return eol < 0 ? text : text.substring(0, eol);
        }
    }
}
