package dev.nana.it.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.it.FaultSize;
import dev.nana.it.NanaCli;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A container that writes a gigabyte to stdout with nobody reading keeps running: its shim never
 * blocks it, the output log stays within its cap (the log and one rotated file of 16 MiB each), and
 * a client that attaches afterwards gets the live stream.
 */
@Tag("fault")
class BackPressureTest {
    private static final long LOG_CAP = 16L << 20;

    @Test
    void aGigabyteWithNoReaderKeepsRunningWithinTheLogCapAndALateAttachGetsTheLiveStream()
            throws Exception {
        int mib = FaultSize.of("backpressure.mib", 1024, 4096);
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            NanaCli.Run run =
                    nana.run(
                            "run",
                            "-d",
                            "flood",
                            "--",
                            "sh",
                            "-c",
                            "dd if=/dev/zero bs=1048576 count="
                                    + mib
                                    + " 2>/dev/null; echo flood-done; while true; do echo tick; sleep 0.2; done");
            assertEquals(0, run.exit(), run.err());
            Path log = nana.stateDir.resolve("flood").resolve("init").resolve("log");
            await(mib + " MiB written")
                    .atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(
                            () -> {
                                assertEquals(
                                        "running",
                                        nana.status("flood"),
                                        "the writer is never blocked into dying");
                                return tail(log).contains("tick");
                            });
            long total =
                    Files.size(log)
                            + (Files.exists(log.resolveSibling("log.1"))
                                    ? Files.size(log.resolveSibling("log.1"))
                                    : 0);
            assertTrue(
                    total <= 2 * LOG_CAP + (1 << 20),
                    mib + " MiB written; the logs hold " + total + " bytes");
            assertEquals("running", nana.status("flood"));

            assertLiveStream(nana);
            System.out.printf(
                    "back-pressure: %d MiB with no reader; the logs hold %d bytes; a late attach gets the stream%n",
                    mib, total);
        }
    }

    private static void assertLiveStream(NanaCli nana) throws Exception {
        ProcessBuilder pb =
                new ProcessBuilder(NanaCli.bin().toString(), "attach", "flood")
                        .redirectErrorStream(true);
        pb.environment().put("NANA_STATE_DIR", nana.stateDir.toString());
        pb.environment().put("NANA_ADDRESS", nana.socket.toString());
        Process attach = pb.start();
        attach.getOutputStream().close();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(attach.getInputStream(), StandardCharsets.UTF_8))) {
            int ticks = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (String line; ticks < 3 && (line = r.readLine()) != null; ) {
                if (line.equals("tick")) ticks++;
                if (System.nanoTime() > deadline) break;
            }
            assertEquals(3, ticks, "the attached client reads the live ticks");
        } finally {
            attach.destroyForcibly();
            attach.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The last 64 KiB of a file, as text. */
    private static String tail(Path file) throws Exception {
        if (!Files.exists(file)) return "";
        try (var ch = FileChannel.open(file)) {
            long size = ch.size();
            var buf = ByteBuffer.allocate((int) Math.min(size, 65536));
            ch.read(buf, size - buf.capacity());
            return new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
        }
    }
}
