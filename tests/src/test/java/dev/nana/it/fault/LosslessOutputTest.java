package dev.nana.it.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.it.FaultSize;
import dev.nana.it.NanaCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Not one byte lost: a reader attached to a container's output from its start gets every byte, as
 * `runc run | reader` does, whatever its pace — in-process and through a daemon, with runc and
 * crun, for run, exec and run -i; a reader that goes away (its client SIGKILLed, or the daemon it
 * reads through) leaves a container that runs on and never blocks; a follower of the log that falls
 * behind its cap is told exactly how many bytes it missed; the kubelet's CRI log is whole.
 *
 * <p>The container writes pseudo-random bytes and prints their sha256 on stderr; the reader hashes
 * what it got. 64 MiB each in CI, 256 MiB at full size (scripts/fault-test --full).
 */
@Tag("fault")
class LosslessOutputTest {
    private static final long BYTES = (long) FaultSize.of("output.mib", 64, 256) << 20;

    /** Writes BYTES random bytes to stdout and their sha256 to stderr. */
    private static String randomWriter(long bytes) {
        return "mkfifo /tmp/h; sha256sum < /tmp/h | cut -d' ' -f1 >&2 & head -c "
                + bytes
                + " /dev/urandom | tee /tmp/h; wait";
    }

    @ParameterizedTest(name = "{0}, daemon {1}, slow reader {2}")
    @CsvSource({
        "runc, false, false",
        "crun, false, false",
        "runc, true, false",
        "crun, true, false",
        "runc, false, true",
        "runc, true, true"
    })
    void runDeliversEveryByteToItsReader(String runtime, boolean daemon, boolean slow)
            throws Exception {
        try (NanaCli nana = new NanaCli()) {
            if (daemon) nana.startDaemon();
            Streamed s =
                    Streamed.of(
                            nana,
                            slow,
                            null,
                            "run",
                            "--rm",
                            "--runtime",
                            runtime,
                            "whole",
                            "--",
                            "sh",
                            "-c",
                            randomWriter(BYTES));
            s.assertWhole(BYTES);
        }
    }

    @ParameterizedTest(name = "daemon {0}")
    @ValueSource(booleans = {false, true})
    void execDeliversEveryByteToASlowReader(boolean daemon) throws Exception {
        try (NanaCli nana = new NanaCli()) {
            if (daemon) nana.startDaemon();
            assertEquals(0, nana.run("run", "-d", "host", "--", "sleep", "1000").exit());
            Streamed s =
                    Streamed.of(
                            nana,
                            true,
                            null,
                            "exec",
                            "host",
                            "--",
                            "sh",
                            "-c",
                            randomWriter(BYTES));
            s.assertWhole(BYTES);
        }
    }

    @ParameterizedTest(name = "daemon {0}")
    @ValueSource(booleans = {false, true})
    void runInteractiveCarriesEveryByteInAndOut(boolean daemon) throws Exception {
        try (NanaCli nana = new NanaCli()) {
            if (daemon) nana.startDaemon();
            byte[] in = new byte[(int) Math.min(BYTES, 256L << 20)];
            new Random(23).nextBytes(in);
            Streamed s = Streamed.of(nana, true, in, "run", "-i", "--rm", "cat", "--", "cat");
            assertEquals(0, s.exit(), s.err());
            assertEquals(in.length, s.bytes());
            assertEquals(sha256(in), s.sha(), "what came out is what went in");
        }
    }

    @ParameterizedTest(name = "daemon {0}")
    @ValueSource(booleans = {false, true})
    void aReaderSigkilledMidStreamLeavesAContainerThatRunsOnAndNeverBlocks(boolean daemon)
            throws Exception {
        try (NanaCli nana = new NanaCli()) {
            if (daemon) nana.startDaemon();
            Process client =
                    nana.start(
                            "run",
                            "cut",
                            "--",
                            "sh",
                            "-c",
                            "head -c " + BYTES + " /dev/urandom; echo written-all >&2");
            readSome(client.getInputStream(), 1 << 20);
            client.destroyForcibly(); // SIGKILL: the reader is gone, not merely slow
            client.waitFor(10, TimeUnit.SECONDS);
            assertRunsOnToItsEnd(nana, "cut");
        }
    }

    @Test
    void aDaemonSigkilledUnderAnAttachedClientTellsItAndTheContainerRunsOn() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            Process client =
                    nana.start(
                            "run",
                            "orphan",
                            "--",
                            "sh",
                            "-c",
                            "head -c " + BYTES + " /dev/urandom; echo written-all >&2");
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errs = Thread.ofPlatform().start(() -> copy(client.getErrorStream(), err));
            readSome(client.getInputStream(), 1 << 20);
            nana.killDaemon();
            client.getInputStream().transferTo(OutputStream.nullOutputStream());
            assertTrue(client.waitFor(30, TimeUnit.SECONDS), "the client ends");
            errs.join(10_000);
            String said = err.toString(StandardCharsets.UTF_8);
            assertNotEquals(0, client.exitValue(), "the client is told: " + said);
            assertTrue(said.contains("nana: the daemon closed the connection"), said);
            assertEquals(1, said.strip().lines().count(), "one clear line: " + said);
            nana.startDaemon();
            assertRunsOnToItsEnd(nana, "orphan");
        }
    }

    @ParameterizedTest(name = "daemon {0}")
    @ValueSource(booleans = {false, true})
    void aFollowerThatFallsBehindTheLogIsToldExactlyHowManyBytesItMissed(boolean daemon)
            throws Exception {
        // seq -w: lines of 8 digits and a newline, 90,000,000 bytes in all: a follower that
        // holds the first file of 16 MiB open is overtaken by the two the log keeps after it
        long total = SEQ_LINES * 9;
        try (NanaCli nana = new NanaCli()) {
            if (daemon) nana.startDaemon();
            assertEquals(
                    0,
                    nana.run(
                                    "run",
                                    "-d",
                                    "chatty",
                                    "--",
                                    "sh",
                                    "-c",
                                    "echo first; while [ ! -e /tmp/go ]; do sleep 0.05; done;"
                                            + " seq -w 1 "
                                            + SEQ_LINES)
                            .exit());
            Process follower = nana.start("logs", "-f", "chatty");
            // once it has said the first line it follows the log's first file; from then on it
            // is not read while the container writes: it falls behind, as a stuck terminal
            byte[] first = follower.getInputStream().readNBytes(6);
            assertEquals("first\n", new String(first, StandardCharsets.US_ASCII));
            assertEquals(0, nana.run("exec", "chatty", "--", "touch", "/tmp/go").exit());
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> "stopped".equals(nana.status("chatty")));
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errs = Thread.ofPlatform().start(() -> copy(follower.getErrorStream(), err));
            byte[] got = follower.getInputStream().readAllBytes();
            assertTrue(follower.waitFor(60, TimeUnit.SECONDS));
            errs.join(10_000);
            String said = err.toString(StandardCharsets.UTF_8);
            Matcher m =
                    Pattern.compile(
                                    "nana: (\\d+) bytes of output were dropped before this reader"
                                            + " caught up")
                            .matcher(said);
            long dropped = 0;
            while (m.find()) dropped += Long.parseLong(m.group(1));
            assertTrue(dropped > 0, "the gap is told: " + said);
            assertEquals(1, follower.exitValue(), "a follower that missed bytes exits 1");
            assertEquals(total, dropped + got.length, "the count is exact: " + said);
            // what it got is seq's output with the dropped bytes cut out of it, at one place
            assertTrue(
                    seqPrefix(got, 0) + seqSuffix(got, total) >= got.length,
                    "the bytes around the gap are seq's");
        }
    }

    @ParameterizedTest(name = "daemon {0}")
    @ValueSource(booleans = {false, true})
    void theCriLogReassemblesToTheWholeOutput(boolean daemon) throws Exception {
        try (NanaCli nana = new NanaCli()) {
            if (daemon) nana.startDaemon();
            Path criLog = nana.stateDir.resolveSibling(nana.stateDir.getFileName() + ".cri.log");
            try {
                Streamed s =
                        Streamed.of(
                                nana,
                                false,
                                null,
                                "run",
                                "--rm",
                                "--log-file",
                                criLog.toString(),
                                "kubelet",
                                "--",
                                "sh",
                                "-c",
                                randomWriter(BYTES) + "; echo");
                assertEquals(0, s.exit(), s.err());
                assertEquals(BYTES + 1, s.bytes());
                assertEquals(s.sha(), reassembledStdout(criLog), "the CRI log holds it all");
            } finally {
                Files.deleteIfExists(criLog);
            }
        }
    }

    // ---- helpers

    /** What a command's reader got: its exit, its stdout's sha256 and size, and its stderr. */
    record Streamed(int exit, String sha, long bytes, String err) {
        /**
         * Runs bin/nana, feeding it stdin (or nothing), reading its stdout — slowly, with pauses,
         * when slow — into a digest.
         */
        static Streamed of(NanaCli nana, boolean slow, byte[] stdin, String... args)
                throws Exception {
            Process p = nana.start(args);
            Thread feeder =
                    Thread.ofPlatform()
                            .start(
                                    () -> {
                                        try (OutputStream in = p.getOutputStream()) {
                                            if (stdin != null) in.write(stdin);
                                        } catch (IOException e) {
                                            // it is gone: its exit says why
                                        }
                                    });
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errs = Thread.ofPlatform().start(() -> copy(p.getErrorStream(), err));
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long bytes = 0;
            byte[] buf = new byte[slow ? 16384 : 65536];
            long reads = 0;
            try (InputStream out = p.getInputStream()) {
                int n;
                while ((n = out.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                    bytes += n;
                    if (slow && ++reads % 4 == 0) Thread.sleep(1); // 64 KiB a millisecond at most
                }
            }
            assertTrue(p.waitFor(10, TimeUnit.MINUTES), "bin/nana " + String.join(" ", args));
            feeder.join(10_000);
            errs.join(10_000);
            return new Streamed(
                    p.exitValue(),
                    HexFormat.of().formatHex(sha.digest()),
                    bytes,
                    err.toString(StandardCharsets.UTF_8));
        }

        /** Exit 0, every byte, and the digest the container printed. */
        void assertWhole(long expected) {
            assertEquals(0, exit, err);
            assertEquals(expected, bytes, "bytes that reached the reader; " + err);
            assertTrue(err.contains(sha), "the container's sha256 " + err.strip() + " is " + sha);
        }
    }

    /** The container finishes what it writes with nobody reading, its output in its log. */
    private static void assertRunsOnToItsEnd(NanaCli nana, String id) throws Exception {
        NanaCli.Run wait = nana.run("wait", id);
        assertEquals("0", wait.out().strip(), "it ran to its end: " + wait.err());
        NanaCli.Run logs = nana.run("logs", id);
        assertTrue(
                logs.out().endsWith("written-all\n"),
                "its last words are in its log: " + tail(logs.out()));
    }

    private static String tail(String s) {
        return s.length() < 100 ? s : s.substring(s.length() - 100);
    }

    private static void readSome(InputStream in, int bytes) throws IOException {
        byte[] buf = new byte[65536];
        int got = 0;
        while (got < bytes) {
            int n = in.read(buf);
            if (n < 0) throw new IOException("the stream ended after " + got + " bytes");
            got += n;
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            // the process is gone
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static final long SEQ_LINES = 10_000_000;

    /** Byte at of `seq -w 1 10000000`'s output: lines of 8 digits and a newline. */
    private static byte seqByte(long at) {
        if (at % 9 == 8) return '\n';
        long v = at / 9 + 1;
        for (long d = at % 9; d < 7; d++) v /= 10;
        return (byte) ('0' + v % 10);
    }

    /** How many of got's first bytes are seq's from offset start. */
    private static int seqPrefix(byte[] got, long start) {
        int i = 0;
        while (i < got.length && got[i] == seqByte(start + i)) i++;
        return i;
    }

    /** How many of got's last bytes are seq's last bytes (its output being total long). */
    private static int seqSuffix(byte[] got, long total) {
        int i = 0;
        while (i < got.length && got[got.length - 1 - i] == seqByte(total - 1 - i)) i++;
        return i;
    }

    /** The sha256 of the stdout records of a CRI log, put back together (F ends a line). */
    private static String reassembledStdout(Path criLog) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] all = Files.readAllBytes(criLog);
        int records = 0;
        for (int at = 0; at < all.length; ) {
            int end = at;
            while (all[end] != '\n') end++;
            // <RFC3339Nano> <stream> <F|P> <text>
            int s1 = indexOf(all, (byte) ' ', at, end);
            int s2 = indexOf(all, (byte) ' ', s1 + 1, end);
            int s3 = indexOf(all, (byte) ' ', s2 + 1, end);
            String stream = new String(all, s1 + 1, s2 - s1 - 1, StandardCharsets.US_ASCII);
            char tag = (char) all[s2 + 1];
            assertTrue(tag == 'F' || tag == 'P', "a record's tag is F or P");
            if (stream.equals("stdout")) {
                sha.update(all, s3 + 1, end - s3 - 1);
                if (tag == 'F') sha.update((byte) '\n');
                records++;
            }
            at = end + 1;
        }
        assertTrue(records > 0, "the CRI log has stdout records");
        return HexFormat.of().formatHex(sha.digest());
    }

    private static int indexOf(byte[] a, byte b, int from, int to) {
        for (int i = from; i < to; i++) if (a[i] == b) return i;
        throw new AssertionError("a CRI log record without its fields");
    }
}
