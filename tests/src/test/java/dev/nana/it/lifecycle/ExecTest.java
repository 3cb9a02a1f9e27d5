package dev.nana.it.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nana.it.NanaCli;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** exec through the CLI against a daemon, with runc and crun. */
class ExecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void execRunsInTheContainerWithItsOwnExitCodeAndEvents(String runtime) throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon("--runtime", runtime);
            String t0 = Instant.now().toString();
            assertEquals(0, nana.run("run", "-d", "box", "--", "sleep", "100").exit());

            assertEquals(
                    new NanaCli.Run(4, "hostname=nana\n", ""),
                    nana.run("exec", "box", "--", "sh", "-c", "echo hostname=$(hostname); exit 4"));
            NanaCli.Run env =
                    nana.run(
                            "exec",
                            "-e",
                            "GREETING=hi",
                            "--cwd",
                            "/tmp",
                            "box",
                            "--",
                            "sh",
                            "-c",
                            "echo $GREETING $PWD");
            assertEquals(new NanaCli.Run(0, "hi /tmp\n", ""), env);
            assertEquals(
                    new NanaCli.Run(0, "x\ny\n", ""),
                    nana.exec(
                            List.of(NanaCli.bin().toString(), "exec", "-i", "box", "--", "cat"),
                            "x\ny\n".getBytes(StandardCharsets.UTF_8)));
            NanaCli.Run user = nana.run("exec", "--user", "65534:65534", "box", "--", "id", "-u");
            assertEquals(new NanaCli.Run(0, "65534\n", ""), user);

            // a detached exec, killed with its container: its exit is told before the container's
            assertEquals(
                    new NanaCli.Run(0, "bg\n", ""),
                    nana.run("exec", "-d", "--exec-id", "bg", "box", "--", "sleep", "100"));
            NanaCli.Run dup = nana.run("exec", "-d", "--exec-id", "bg", "box", "--", "true");
            assertEquals(125, dup.exit());
            assertTrue(dup.err().contains("exec \"bg\" already exists"), dup.err());

            // a command that cannot start: named, with why, in the container's terms (runc's
            // and crun's own words differ)
            NanaCli.Run missing = nana.run("exec", "box", "--", "/nonexistent");
            assertEquals(125, missing.exit());
            assertTrue(
                    missing.err()
                            .contains(
                                    "\"/nonexistent\" cannot be run: there is no such file in the"
                                            + " container"),
                    missing.err());

            assertEquals(0, nana.run("pause", "box").exit());
            NanaCli.Run paused = nana.run("exec", "box", "--", "true");
            assertEquals(125, paused.exit());
            assertTrue(
                    paused.err().contains("cannot exec in \"box\": it is paused; resume it first"),
                    paused.err());
            assertEquals(0, nana.run("resume", "box").exit());

            assertEquals(0, nana.run("kill", "box", "KILL").exit());
            assertEquals("137\n", nana.run("wait", "box").out());
            NanaCli.Run stopped = nana.run("exec", "box", "--", "true");
            assertEquals(125, stopped.exit());
            assertTrue(
                    stopped.err().contains("cannot exec in \"box\": it is stopped"), stopped.err());
            assertEquals(125, nana.run("exec", "ghost", "--", "true").exit());
            NanaCli.Run badUser = nana.run("exec", "--user", "root", "box", "--", "true");
            assertEquals(125, badUser.exit());
            assertTrue(
                    badUser.err().contains("user \"root\" is not UID or UID:GID"), badUser.err());

            List<String> exits =
                    nana.run("events", "--since", t0, "--no-follow", "--filter", "type=exit")
                            .out()
                            .lines()
                            .map(l -> l.substring(l.indexOf(' ') + 1))
                            .toList();
            assertEquals(
                    "exit box process=bg exitCode=137",
                    exits.get(exits.size() - 2),
                    "the exec's exit first: " + exits);
            assertEquals("exit box exitCode=137", exits.getLast(), exits.toString());
            assertEquals(0, nana.run("rm", "box").exit());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void killAllReachesEveryProcessAndExecItIsInteractive(String runtime) throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon("--runtime", runtime);
            assertEquals(0, nana.run("run", "-d", "box", "--", "sleep", "100").exit());
            assertEquals(
                    0,
                    nana.run("exec", "-d", "--exec-id", "bg", "box", "--", "sleep", "100").exit());
            // TERM to the init only: pid 1 of its namespace ignores it, and the exec is not touched
            assertEquals(0, nana.run("kill", "box", "TERM").exit());
            Thread.sleep(500);
            assertEquals(
                    "running",
                    JSON.readTree(nana.run("inspect", "box").out()).path("status").asText());
            // --all: every process gets it; the exec (not a pid 1) dies of it
            assertEquals(0, nana.run("kill", "--all", "box", "TERM").exit());
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(
                            () -> {
                                String exits =
                                        nana.run(
                                                        "events",
                                                        "--since",
                                                        "1m",
                                                        "--no-follow",
                                                        "--filter",
                                                        "type=exit")
                                                .out();
                                assertTrue(
                                        exits.contains("exit box process=bg exitCode=143"), exits);
                            });

            // exec -it under a pseudo-terminal: the exec gets a tty of the caller's size
            NanaCli.Run tty =
                    nana.exec(
                            List.of(
                                    "script",
                                    "-qec",
                                    "stty rows 21 cols 66; "
                                            + NanaCli.bin()
                                            + " exec -it box -- sh -c 'stty size; tty; exit 3'",
                                    "/dev/null"),
                            null);
            assertEquals(3, tty.exit(), tty.toString());
            assertTrue(tty.out().contains("21 66") && tty.out().contains("/dev/pts/"), tty.out());
            assertEquals(0, nana.run("rm", "-f", "box").exit());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc"})
    void anExecThatExitsWhileNoDaemonRunsIsToldAfterARestart(String runtime) throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon("--runtime", runtime);
            String t0 = Instant.now().toString();
            assertEquals(0, nana.run("run", "-d", "box", "--", "sleep", "100").exit());
            assertEquals(
                    0,
                    nana.run(
                                    "exec",
                                    "-d",
                                    "--exec-id",
                                    "short",
                                    "box",
                                    "--",
                                    "sh",
                                    "-c",
                                    "sleep 2; exit 9")
                            .exit());
            nana.killDaemon();
            Thread.sleep(3000);
            nana.startDaemon("--runtime", runtime);
            String exits =
                    nana.run("events", "--since", t0, "--no-follow", "--filter", "type=exit").out();
            assertTrue(exits.contains("exit box process=short exitCode=9"), exits);
            assertEquals(1, exits.lines().count(), "told once: " + exits);
            assertEquals(
                    "running",
                    JSON.readTree(nana.run("inspect", "box").out()).path("status").asText());
            assertEquals(0, nana.run("rm", "-f", "box").exit());
        }
    }
}
