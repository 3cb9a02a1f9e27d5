package dev.nana.it.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.it.NanaCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With a daemon listening, bin/nana is the thin native client, which has the daemon's warm JVM run
 * the command; bin/nana-jvm is the JVM CLI, which talks gRPC to the same daemon. The two must be
 * indistinguishable: same output, same exit code.
 */
class ThinClientTest {
    private static NanaCli.Run on(NanaCli nana, String launcher, byte[] stdin, String... args)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(NanaCli.bin(launcher).toString()));
        cmd.addAll(List.of(args));
        return nana.exec(cmd, stdin);
    }

    private static void same(NanaCli nana, byte[] stdin, String... args) throws Exception {
        NanaCli.Run thin = on(nana, "nana", stdin, args);
        NanaCli.Run jvm = on(nana, "nana-jvm", stdin, args);
        assertEquals(jvm, thin, "nana " + String.join(" ", args));
    }

    @Test
    void anAddressNobodyServesIsAnErrorNotAnotherNana() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            // no daemon: without --address, in-process on the state directory, as ever
            assertEquals(0, nana.run("ps").exit());
            String nobody = nana.socket.resolveSibling("nobody.sock").toString();
            for (String[] args :
                    List.of(
                            new String[] {"--address", nobody, "ps"},
                            new String[] {"ps", "--address=" + nobody})) {
                NanaCli.Run thin = on(nana, "nana", null, args);
                assertEquals(125, thin.exit(), thin.toString());
                assertTrue(thin.out().isEmpty(), "no empty table: " + thin);
                assertTrue(
                        thin.err().contains("no nana daemon answers on --address \"" + nobody),
                        thin.err());
                assertTrue(thin.err().contains("nana daemon --socket " + nobody), thin.err());
                same(nana, null, args);
            }
        }
    }

    @Test
    void theThinClientAndTheJvmCliGiveTheSameOutputAndExitCode() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            assertTrue(
                    Files.exists(nana.socket.resolveSibling("nana.sock.cli")),
                    "the forwarding socket");
            String t0 = Instant.now().toString();

            // the same container twice would collide: each launcher runs its own id, same output
            NanaCli.Run thinRun =
                    on(
                            nana,
                            "nana",
                            null,
                            "run",
                            "--rm",
                            "a1",
                            "--",
                            "sh",
                            "-c",
                            "echo out; echo err >&2; exit 3");
            NanaCli.Run jvmRun =
                    on(
                            nana,
                            "nana-jvm",
                            null,
                            "run",
                            "--rm",
                            "a2",
                            "--",
                            "sh",
                            "-c",
                            "echo out; echo err >&2; exit 3");
            assertEquals(new NanaCli.Run(3, "out\n", "err\n"), thinRun);
            assertEquals(jvmRun, thinRun);

            NanaCli.Run thinCat =
                    on(
                            nana,
                            "nana",
                            "x\ny\n".getBytes(StandardCharsets.UTF_8),
                            "run",
                            "--rm",
                            "-i",
                            "c1",
                            "--",
                            "cat");
            NanaCli.Run jvmCat =
                    on(
                            nana,
                            "nana-jvm",
                            "x\ny\n".getBytes(StandardCharsets.UTF_8),
                            "run",
                            "--rm",
                            "-i",
                            "c2",
                            "--",
                            "cat");
            assertEquals(new NanaCli.Run(0, "x\ny\n", ""), thinCat);
            assertEquals(jvmCat, thinCat);

            assertEquals(
                    0, nana.run("run", "-d", "w", "--", "sh", "-c", "echo logged; exit 7").exit());
            same(nana, null, "wait", "w");
            same(nana, null, "ps", "--format", "json");
            same(nana, null, "inspect", "w");
            same(nana, null, "logs", "w");
            same(nana, null, "events", "--since", t0, "--no-follow");
            same(nana, null, "kill", "ghost");
            same(nana, null, "run", "--rm", "bad/id", "--", "true");
            same(nana, null, "kill", "w", "NOPE");
            same(nana, null, "version");
            same(nana, null, "--help");
            same(nana, null, "no-such-command");
            assertEquals(0, nana.run("rm", "w").exit());
        }
    }

    @Test
    void runItUnderAPseudoTerminalOnBothPaths() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            for (String launcher : List.of("nana", "nana-jvm")) {
                // script(1) gives the CLI a terminal of 33x77; -it makes it raw and gives the
                // container a pty of the same size before its program runs
                String cmd =
                        "stty rows 33 cols 77; "
                                + NanaCli.bin(launcher)
                                + " run --rm -it tty-"
                                + launcher
                                + " -- sh -c 'stty size; read line; echo got:$line; exit 6'";
                NanaCli.Run r =
                        nana.exec(
                                List.of("script", "-qec", cmd, "/dev/null"),
                                "hello\r".getBytes(StandardCharsets.UTF_8));
                assertEquals(6, r.exit(), launcher + ": " + r);
                assertTrue(
                        r.out().contains("33 77"),
                        launcher + ": the container's pty has the caller's size: " + r.out());
                assertTrue(
                        r.out().contains("got:hello"),
                        launcher + ": typed input reached the container: " + r.out());
            }
        }
    }

    @Test
    void detachKeysLeaveTheContainerRunningOnBothPaths() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            for (String launcher : List.of("nana", "nana-jvm")) {
                String id = "det-" + launcher;
                String cmd =
                        NanaCli.bin(launcher)
                                + " run -it "
                                + id
                                + " -- sh -c 'echo ready; sleep 100'";
                ProcessBuilder pb =
                        new ProcessBuilder("script", "-qec", cmd, "/dev/null")
                                .redirectErrorStream(true);
                pb.environment().put("NANA_STATE_DIR", nana.stateDir.toString());
                pb.environment().put("NANA_ADDRESS", nana.socket.toString());
                Process p = pb.start();
                StringBuilder out = new StringBuilder();
                Thread reader =
                        Thread.ofPlatform()
                                .daemon()
                                .start(
                                        () -> {
                                            try (var in = p.getInputStream()) {
                                                int c;
                                                while ((c = in.read()) >= 0)
                                                    synchronized (out) {
                                                        out.append((char) c);
                                                    }
                                            } catch (IOException e) {
                                                // done
                                            }
                                        });
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(20))
                        .until(
                                () -> {
                                    synchronized (out) {
                                        return out.indexOf("ready") >= 0;
                                    }
                                });
                Thread.sleep(500); // the terminal goes raw right after the container starts
                // Ctrl-P Ctrl-Q, docker's detach keys; a lone Ctrl-P before them passes through
                p.getOutputStream().write(new byte[] {0x10, 'x', 0x10, 0x11});
                p.getOutputStream().flush();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), launcher + ": detached: " + out);
                reader.join(2000);
                assertEquals(0, p.exitValue(), launcher + ": " + out);
                assertTrue(
                        out.toString().contains("detached from \"" + id + "\""),
                        launcher + ": " + out);
                String state = nana.run("inspect", id).out();
                assertTrue(
                        state.contains("\"status\" : \"running\""),
                        launcher + ": it runs on: " + state);
                assertEquals(0, nana.run("rm", "-f", id).exit());
            }
        }
    }
}
