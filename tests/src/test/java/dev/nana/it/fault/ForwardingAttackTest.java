package dev.nana.it.fault;

import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nana.it.Baseline;
import dev.nana.it.FaultSize;
import dev.nana.it.NanaCli;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The thin client's socket attacked as an adversarial root caller would: hostile lengths in raw
 * frames, requests held half-sent, thousands of idle connections, a nested {@code daemon} argv, a
 * daemon that stops answering. After each the daemon answers {@code nana ps} within a second, and
 * its threads and memory are back where they were.
 */
@Tag("fault")
class ForwardingAttackTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs the hostile client once; its JSON line. */
    private static JsonNode hostile(NanaCli nana, String... args) throws Exception {
        NanaCli.Run r = nana.exec(command(nana, args), null);
        assertEquals(0, r.exit(), r.err());
        return JSON.readTree(r.out());
    }

    private static List<String> command(NanaCli nana, String... args) throws Exception {
        Path script = Files.createTempFile("hostile-client-", ".py");
        try (var in = ForwardingAttackTest.class.getResourceAsStream("hostile-client.py")) {
            Files.write(script, in.readAllBytes());
        }
        script.toFile().deleteOnExit();
        List<String> cmd =
                new ArrayList<>(
                        List.of("/usr/bin/python3", script.toString(), nana.socket + ".cli"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void hostileLengthsAreRefusedBeforeAnythingIsAllocated() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            Baseline baseline = Baseline.of(nana);
            JsonNode claim = hostile(nana, "claim", "10000000");
            assertEquals(125, claim.path("exit").asInt(), claim.toString());
            baseline.stillServes(nana, "20 bytes claiming 10,000,000 arguments");

            for (String n : List.of("2147483647", "4294967295", "0", "1048577")) {
                JsonNode length = hostile(nana, "length", n);
                assertEquals(125, length.path("exit").asInt(), n + ": " + length);
            }
            baseline.stillServes(nana, "requests claiming 2 GiB, 4 GiB, nothing and 1 MiB + 1");

            JsonNode nofds = hostile(nana, "nofds");
            assertEquals(125, nofds.path("exit").asInt(), nofds.toString());
            baseline.stillServes(nana, "a request without its descriptors");

            // requests of 1 MiB held half-sent: the read budget refuses what it cannot hold, the
            // deadline ends the rest
            Process hold = new ProcessBuilder(command(nana, "hold", "16")).start();
            JsonNode held =
                    JSON.readTree(
                            new BufferedReader(
                                            new InputStreamReader(
                                                    hold.getInputStream(), StandardCharsets.UTF_8))
                                    .readLine());
            assertEquals(
                    16, held.path("opened").asInt() + held.path("failed").asInt(), held.toString());
            baseline.stillServes(nana, "16 requests of 1 MiB held half-sent");
            hold.getOutputStream().close();
            assertTrue(hold.waitFor(30, TimeUnit.SECONDS));
            baseline.stillServes(nana, "after the held requests");
        }
    }

    @Test
    void clientsKilledMidCommandEndTheirCommandsAndFreeWhatTheyHeld() throws Exception {
        // as `timeout -s KILL 0.5 nana wait X`, one after another: each forwarded command must
        // end with its client, not wait on (46 of them once filled the daemon's heap)
        int clients = FaultSize.of("killedclients", 60, 200);
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            assertEquals(0, nana.run("run", "-d", "long", "--", "sleep", "1000").exit());
            Baseline baseline = Baseline.of(nana);
            List<String[]> commands =
                    List.of(
                            new String[] {"wait", "long"},
                            new String[] {"attach", "long"},
                            new String[] {"logs", "-f", "long"});
            for (int i = 0; i < clients; i++) {
                Process client = nana.start(commands.get(i % commands.size()));
                Thread.sleep(300); // the attack's timing: killed while its command waits
                client.destroyForcibly();
                client.waitFor();
            }
            baseline.stillServes(nana, clients + " clients killed mid-command");
            assertEquals(0, nana.run("rm", "-f", "long").exit());
        }
    }

    @Test
    void hundredsOfLongRunningCommandsRunWithinTheHeapOrAreRefused() throws Exception {
        // wait, events, attach and logs -f hold their command while their client likes: once ~40
        // of them filled the daemon's 32 MiB heap (each kept a whole command tree, ~0.7 MiB)
        int clients = FaultSize.of("longCommands", 200, 400);
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            assertEquals(0, nana.run("run", "-d", "long", "--", "sleep", "1000").exit());
            Baseline baseline = Baseline.of(nana);
            List<String[]> commands =
                    List.of(
                            new String[] {"wait", "long"},
                            new String[] {"events"},
                            new String[] {"attach", "long"},
                            new String[] {"logs", "-f", "long"});
            List<Process> started = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Process p = nana.start(commands.get(i % commands.size()));
                p.getOutputStream().close();
                started.add(p);
            }
            // each runs, or is refused at once with a word on what to do
            Thread.sleep(5000);
            int refused = 0;
            for (Process p : started) {
                if (p.isAlive()) continue;
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(125, p.exitValue(), err);
                assertTrue(err.contains("try again when some end"), err);
                refused++;
            }
            int running = clients - refused;
            assertTrue(running >= 64, running + " of " + clients + " commands run");
            long t0 = System.nanoTime();
            NanaCli.Run ps = nana.run("ps");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, ps.exit(), "nana ps beside " + running + " commands: " + ps.err());
            assertTrue(ms < 1000, "nana ps beside " + running + " commands took " + ms + " ms");
            assertFalse(nana.daemonLog().contains("OutOfMemoryError"), nana.daemonLog());
            // the container's end ends wait, attach and logs -f; events go with their clients
            assertEquals(0, nana.run("rm", "-f", "long").exit());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            for (int i = 0; i < started.size(); i++) {
                Process p = started.get(i);
                if (i % commands.size() == 1) p.destroyForcibly().waitFor(); // events
                else
                    assertTrue(
                            p.waitFor(Math.max(0, deadline - System.nanoTime()), NANOSECONDS),
                            String.join(" ", commands.get(i % commands.size()))
                                    + " ends with its container");
            }
            baseline.stillServes(
                    nana,
                    clients
                            + " long-running commands ("
                            + refused
                            + " refused, "
                            + running
                            + " ran)");
            System.out.printf(
                    "forwarding: %d long-running commands: %d ran, %d refused%n",
                    clients, running, refused);
        }
    }

    @Test
    void thousandsOfSignalFramesMakeOneRuntimeKillAtATime() throws Exception {
        // 3,000 SIGWINCH-like frames (SIGUSR1, which sh ignores here: trap '' USR1) on one run:
        // coalesced, as pending signals are, they start no runtime kill storm
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            // the daemon's pools for a run (start, workers, the late reaper) exist before
            assertEquals(
                    0, nana.run("run", "--rm", "warm", "--", "sh", "-c", "kill -USR1 $$").exit());
            assertEquals(0, nana.run("run", "-d", "warm2", "--", "sleep", "1000").exit());
            assertEquals(0, nana.run("kill", "warm2", "USR1").exit());
            assertEquals(0, nana.run("rm", "-f", "warm2").exit());
            Baseline baseline = Baseline.of(nana);
            Process storm =
                    new ProcessBuilder(
                                    command(
                                            nana,
                                            "signals",
                                            "3000",
                                            "10",
                                            "run",
                                            "--rm",
                                            "storm",
                                            "--",
                                            "sh",
                                            "-c",
                                            "trap '' USR1; sleep 4; echo done"))
                            .redirectErrorStream(true)
                            .start();
            String said =
                    new String(
                            storm.getInputStream().readAllBytes(),
                            java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(storm.waitFor(90, java.util.concurrent.TimeUnit.SECONDS), said);
            assertTrue(said.contains("\"exit\": 0"), "the run ends as it would: " + said);
            baseline.stillServes(nana, "3,000 signal frames");
        }
    }

    @Test
    void thousandsOfIdleConnectionsCostNoThreadAndAreCapped() throws Exception {
        int n = FaultSize.of("idleConnections", 1000, 5000);
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            Baseline baseline = Baseline.of(nana);
            Process idle = new ProcessBuilder(command(nana, "idle", Integer.toString(n))).start();
            JsonNode r =
                    JSON.readTree(
                            new BufferedReader(
                                            new InputStreamReader(
                                                    idle.getInputStream(), StandardCharsets.UTF_8))
                                    .readLine());
            long[] during = nana.daemonUsage();
            assertTrue(
                    during[1] <= baseline.threads() + 2,
                    n
                            + " idle connections: threads "
                            + baseline.threads()
                            + " before, "
                            + during[1]
                            + " during");
            if (n > 512)
                assertTrue(
                        r.path("refused").asInt() > 0,
                        "over the cap, clients are told so ('B'): " + r);
            idle.getOutputStream().close();
            assertTrue(idle.waitFor(60, TimeUnit.SECONDS));
            baseline.stillServes(nana, n + " idle connections");
            System.out.printf(
                    "forwarding: %d idle connections: %s; threads %d before, %d during%n",
                    n, r, baseline.threads(), during[1]);
        }
    }

    @Test
    void acceptingSurvivesADescriptorTableFull() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            Baseline baseline = Baseline.of(nana);
            // the daemon's descriptor table, cut to a little above what it uses: idle clients fill
            // it up
            long open;
            try (var fds = Files.list(Path.of("/proc", Long.toString(nana.daemonPid()), "fd"))) {
                open = fds.count();
            }
            long limit = open + 64;
            Process prlimit =
                    new ProcessBuilder(
                                    "prlimit",
                                    "--pid",
                                    Long.toString(nana.daemonPid()),
                                    "--nofile=" + limit + ":" + limit)
                            .redirectErrorStream(true)
                            .start();
            assertEquals(
                    0,
                    prlimit.waitFor(),
                    new String(prlimit.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            Process idle = new ProcessBuilder(command(nana, "idle", "300")).start();
            JsonNode r =
                    JSON.readTree(
                            new BufferedReader(
                                            new InputStreamReader(
                                                    idle.getInputStream(), StandardCharsets.UTF_8))
                                    .readLine());
            Thread.sleep(500); // accept meets EMFILE, pauses, tries again
            idle.getOutputStream().close();
            assertTrue(idle.waitFor(60, TimeUnit.SECONDS));
            baseline.stillServes(
                    nana, "300 clients against a table of " + limit + " descriptors (" + r + ")");
            assertTrue(
                    nana.daemonLog().contains("pausing, then accepting again"),
                    "the pause is said once: " + nana.daemonLog());
        }
    }

    @Test
    void aForwardedDaemonOrBenchIsRefusedAndTheLockHolds() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            Baseline baseline = Baseline.of(nana);
            for (List<String> argv :
                    List.of(
                            List.of("daemon"),
                            List.of(
                                    "--state-dir",
                                    nana.stateDir.toString(),
                                    "daemon",
                                    "--socket",
                                    nana.stateDir.resolve("other.sock").toString()),
                            List.of("bench", "--count", "1"))) {
                List<String> args = new ArrayList<>(List.of("request"));
                args.addAll(argv);
                JsonNode r = hostile(nana, args.toArray(String[]::new));
                assertEquals(125, r.path("exit").asInt(), argv + ": " + r);
            }
            assertFalse(Files.exists(nana.stateDir.resolve("other.sock")), "no second server");
            baseline.stillServes(nana, "nested daemon and bench");
            // the daemon's own lock held through the refusals: another daemon is still refused
            Path other = nana.stateDir.resolveSibling(nana.stateDir.getFileName() + ".other.sock");
            NanaCli.Run second =
                    nana.exec(
                            List.of(
                                    NanaCli.bin().toString(),
                                    "daemon",
                                    "--socket",
                                    other.toString()),
                            null);
            assertEquals(125, second.exit(), second.out() + second.err());
            assertTrue(
                    second.err()
                            .contains(
                                    "in use by another nana supervisor (pid "
                                            + nana.daemonPid()
                                            + ")"),
                    second.err());
        }
    }

    @Test
    void aSocketPathHoldingAFileIsLeftAlone() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            Path file = nana.stateDir.resolveSibling(nana.stateDir.getFileName() + ".precious");
            Files.writeString(file, "keep me");
            try {
                NanaCli.Run r =
                        nana.exec(
                                List.of(
                                        NanaCli.bin().toString(),
                                        "daemon",
                                        "--socket",
                                        file.toString()),
                                null);
                assertEquals(125, r.exit(), r.out() + r.err());
                assertTrue(r.err().contains("is not a socket"), r.err());
                assertEquals("keep me", Files.readString(file));
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    /**
     * A client of a stopped daemon, its output in files: the daemon holds the client's stdio
     * (passed with the request) until it runs again, so a pipe would not end before it does.
     */
    private static Process client(NanaCli nana, Path err, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(NanaCli.bin().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(err.toFile());
        pb.environment().put("NANA_STATE_DIR", nana.stateDir.toString());
        pb.environment().put("NANA_ADDRESS", nana.socket.toString());
        return pb.start();
    }

    @Test
    void aClientOfAStoppedDaemonGivesUpSayingSo() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            long pid = nana.daemonPid();
            Path err = Files.createTempFile("nana-client-", ".err");
            new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
            try {
                long t0 = System.nanoTime();
                Process ps = client(nana, err, "ps");
                assertTrue(ps.waitFor(30, TimeUnit.SECONDS), "the client gave up");
                long s = (System.nanoTime() - t0) / 1_000_000_000;
                String said = Files.readString(err);
                assertEquals(125, ps.exitValue(), said);
                assertTrue(said.contains("is not responding (pid " + pid + ")"), said);
                assertTrue(s < 20, "gave up after " + s + " s");
                // interrupted twice while it waits, it gives up at once
                Process p = client(nana, err, "ps");
                Thread.sleep(500);
                new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
                Thread.sleep(200);
                new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
                assertTrue(p.waitFor(5, TimeUnit.SECONDS), "a second INT ends the client");
                assertEquals(125, p.exitValue(), Files.readString(err));
            } finally {
                new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
                Files.deleteIfExists(err);
            }
            assertEquals(0, nana.run("ps").exit(), "served again once continued");
        }
    }
}
