package dev.nana.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.os.LibNana;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole lifecycle through bin/nana, with runc and crun, with a daemon and without. */
class CliLifecycleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> runtimesAndModes() {
        return Stream.of(
                Arguments.of("runc", false),
                Arguments.of("runc", true),
                Arguments.of("crun", false),
                Arguments.of("crun", true));
    }

    @ParameterizedTest(name = "{0}, daemon={1}")
    @MethodSource("runtimesAndModes")
    void theWholeLifecycle(String runtime, boolean withDaemon) throws Exception {
        try (NanaCli nana = new NanaCli()) {
            if (withDaemon) nana.startDaemon("--runtime", runtime);
            String t0 = Instant.now().toString();
            String rt = "--runtime=" + runtime;

            assertEquals(
                    new NanaCli.Run(0, "hi\n", ""),
                    nana.run("run", "--rm", rt, "hello", "--", "echo", "hi"));
            assertEquals(
                    new NanaCli.Run(3, "out\n", "err\n"),
                    nana.run(
                            "run",
                            "--rm",
                            rt,
                            "three",
                            "--",
                            "sh",
                            "-c",
                            "echo out; echo err >&2; exit 3"));

            assertEquals(
                    0,
                    nana.run(
                                    "create",
                                    rt,
                                    "-l",
                                    "team=blue",
                                    "web",
                                    "--",
                                    "sh",
                                    "-c",
                                    "echo started; sleep 100")
                            .exit());
            JsonNode created = JSON.readTree(nana.run("inspect", "web").out());
            assertEquals("created", created.path("status").asText());
            assertTrue(created.path("pid").asInt() > 0);
            assertEquals("blue", created.path("labels").path("team").asText());
            assertEquals(runtime, created.path("runtime").asText());
            assertEquals(0, nana.run("start", "web").exit());
            JsonNode ps = JSON.readTree(nana.run("ps", "--format", "json").out());
            assertEquals(1, ps.size());
            assertEquals("running", ps.get(0).path("status").asText());
            assertTrue(
                    nana.run("ps")
                            .out()
                            .lines()
                            .anyMatch(l -> l.startsWith("web ") && l.contains("running")));
            assertEquals("web", nana.run("ps", "-q").out().strip());

            NanaCli.Run refused = nana.run("rm", "web");
            assertEquals(125, refused.exit());
            assertTrue(
                    refused.err().contains("cannot delete \"web\": it is running"), refused.err());
            assertEquals(0, nana.run("kill", "web", "KILL").exit());
            assertEquals(new NanaCli.Run(137, "137\n", ""), nana.run("wait", "web"));
            JsonNode stopped = JSON.readTree(nana.run("inspect", "web").out());
            assertEquals("stopped", stopped.path("status").asText());
            assertEquals(137, stopped.path("exitStatus").asInt());
            assertEquals("started\n", nana.run("logs", "web").out());
            assertEquals(0, nana.run("rm", "web").exit());
            assertEquals("[]", nana.run("ps", "--format", "json").out().strip());

            // everything above, as events since t0
            String events =
                    nana.run("events", "--since", t0, "--no-follow", "--filter", "id=web").out();
            assertEquals(
                    List.of("create", "start", "exit", "delete"),
                    events.lines().map(l -> l.split(" ", -1)[1]).toList(),
                    events);
            assertTrue(events.contains("exit web exitCode=137"), events);

            NanaCli.Run unknown = nana.run("kill", "ghost");
            assertEquals(125, unknown.exit());
            assertTrue(unknown.err().contains("no container \"ghost\""), unknown.err());
            NanaCli.Run badSignal = nana.run("kill", "ghost", "NOPE");
            assertEquals(125, badSignal.exit());
            assertTrue(
                    badSignal.err().contains("signal \"NOPE\" is not a signal"), badSignal.err());
        }
    }

    @ParameterizedTest(name = "daemon {0}")
    @ValueSource(booleans = {false, true})
    void anOutputThatCannotBeWrittenIsNanasFailureNotSilence(boolean daemon) throws Exception {
        try (NanaCli nana = new NanaCli()) {
            if (daemon) nana.startDaemon();
            NanaCli.Run full = shell(nana, "run --rm full -- echo hi > /dev/full");
            assertEquals(125, full.exit(), "a full disk under its output: " + full.err());
            assertTrue(full.err().contains("No space left on device"), full.err());
            assertEquals(0, nana.run("run", "kept", "--", "seq", "1000").exit());
            // logs copies the log, ps prints through picocli's writer: both say what failed,
            // in one line, and exit 125 (a raw OsException once; "its reader went away" for ps)
            for (String command : List.of("logs kept", "ps", "inspect kept")) {
                NanaCli.Run r = shell(nana, command + " > /dev/full");
                assertEquals(125, r.exit(), command + ": " + r.err());
                assertEquals(
                        1, r.err().lines().count(), command + " says it in one line: " + r.err());
                assertTrue(
                        r.err().contains("writing its output failed: No space left on device"),
                        command + ": " + r.err());
            }
            assertEquals(0, nana.run("rm", "kept").exit());
            NanaCli.Run head = shell(nana, "run --rm head -- seq 100000 | head -1");
            assertEquals(
                    "1\n", head.out(), "a reader that goes early is no failure: " + head.err());
        }
    }

    /** bin/nana with a shell line's arguments and redirections. */
    private static NanaCli.Run shell(NanaCli nana, String line) throws Exception {
        return nana.exec(List.of("bash", "-c", NanaCli.bin() + " " + line), null);
    }

    @Test
    void benchStartsAndRemovesItsContainersAndReportsEachPhase() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            for (String runtime : new String[] {"runc", "crun"}) {
                NanaCli.Run r =
                        nana.run(
                                "bench",
                                "--count",
                                "4",
                                "--warmup",
                                "2",
                                "--concurrency",
                                "2",
                                "--runtime",
                                runtime,
                                "--json");
                assertEquals(0, r.exit(), r.err());
                JsonNode b = JSON.readTree(r.out());
                assertEquals(4, b.path("count").asInt());
                assertEquals(2, b.path("warmup").asInt());
                assertEquals(
                        List.of("create+start", "kill+delete"),
                        List.of(
                                b.path("phases").get(0).path("name").asText(),
                                b.path("phases").get(1).path("name").asText()));
                JsonNode start = b.path("phases").get(0);
                assertTrue(
                        start.path("seconds").asDouble() > 0
                                && start.path("p50").asDouble() <= start.path("p99").asDouble(),
                        r.out());
            }
            assertEquals(
                    "[]",
                    nana.run("ps", "--format", "json").out().strip(),
                    "bench leaves nothing in the user's state");
        }
    }

    @Test
    void severalCliInvocationsAtOnceWithoutADaemonShareTheStateDirectory() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            assertEquals(0, nana.run("run", "-d", "long", "--", "sleep", "100").exit());
            var runs = new ArrayList<CompletableFuture<NanaCli.Run>>();
            for (int i = 0; i < 4; i++) {
                String id = "par" + i;
                runs.add(
                        CompletableFuture.supplyAsync(
                                () -> {
                                    try {
                                        return nana.run(
                                                "run",
                                                "--rm",
                                                id,
                                                "--",
                                                "sh",
                                                "-c",
                                                "sleep 1; echo " + id);
                                    } catch (Exception e) {
                                        throw new RuntimeException(e);
                                    }
                                }));
            }
            NanaCli.Run ps = nana.run("ps", "--format", "json"); // while they all run
            assertEquals(0, ps.exit(), ps.err());
            for (int i = 0; i < 4; i++)
                assertEquals(new NanaCli.Run(0, "par" + i + "\n", ""), runs.get(i).get());
            JsonNode left = JSON.readTree(nana.run("ps", "--format", "json").out());
            assertEquals(1, left.size(), "only the long one is left: " + left);
            assertEquals("running", left.get(0).path("status").asText());
            assertEquals(0, nana.run("rm", "-f", "long").exit());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void runReportsAnOomKill(String runtime) throws Exception {
        try (NanaCli nana = new NanaCli()) {
            NanaCli.Run oom =
                    nana.run(
                            "run",
                            "--rm",
                            "--runtime",
                            runtime,
                            "--memory",
                            "16m",
                            "oom",
                            "--",
                            "dd",
                            "if=/dev/zero",
                            "of=/dev/null",
                            "bs=64M",
                            "count=1");
            assertEquals(137, oom.exit(), oom.err());
            assertTrue(oom.err().contains("was OOM-killed"), oom.err());
        }
    }

    @Test
    void interactiveStdinReachesTheContainerAndItsEofEndsIt() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            ProcessBuilder pb =
                    new ProcessBuilder(
                            NanaCli.bin().toString(), "run", "--rm", "-i", "cat", "--", "cat");
            pb.environment().put("NANA_STATE_DIR", nana.stateDir.toString());
            pb.environment().put("NANA_ADDRESS", nana.socket.toString());
            Process p = pb.start();
            p.getOutputStream().write("one\ntwo\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            assertEquals(
                    "one\ntwo\n",
                    new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        }
    }

    @Test
    void aLogFileGetsTheOutputInTheCriFormatToo() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            java.nio.file.Path log =
                    nana.stateDir.resolveSibling(nana.stateDir.getFileName() + ".cri.log");
            try {
                NanaCli.Run r =
                        nana.run(
                                "run",
                                "--rm",
                                "--log-file",
                                log.toString(),
                                "logged",
                                "--",
                                "sh",
                                "-c",
                                "echo out; echo err >&2; printf partial");
                assertEquals(0, r.exit(), r.err());
                assertEquals("out\npartial", r.out(), "the output still reaches the caller");
                List<String> records =
                        java.nio.file.Files.readAllLines(log).stream()
                                .map(l -> l.substring(l.indexOf(' ') + 1))
                                .sorted()
                                .toList();
                assertEquals(
                        List.of("stderr F err", "stdout F out", "stdout F partial"),
                        records,
                        "an unended last line is written whole when the stream ends");
            } finally {
                java.nio.file.Files.deleteIfExists(log);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "a/b", ""})
    void badIdsExit125WithTheReasonAndLeaveNothing(String id) throws Exception {
        try (NanaCli nana = new NanaCli()) {
            NanaCli.Run r = nana.run("run", "--rm", id, "--", "true");
            assertEquals(125, r.exit());
            assertTrue(r.err().startsWith("nana: container id"), r.err());
            assertEquals("[]", nana.run("ps", "--format", "json").out().strip(), "nothing listed");
        }
    }

    @Test
    void nanaErrorsAndUsageErrorsHaveTheirOwnCodes() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            NanaCli.Run noRuntime = nana.run("run", "--runtime", "nope", "x", "--", "true");
            assertEquals(125, noRuntime.exit());
            assertTrue(noRuntime.err().contains("unknown runtime \"nope\""), noRuntime.err());
            NanaCli.Run noBundle = nana.run("run", "--bundle", "/nonexistent", "x");
            assertEquals(125, noBundle.exit());
            assertTrue(
                    noBundle.err().contains("bundle \"/nonexistent\" does not exist"),
                    noBundle.err());
            NanaCli.Run badMemory = nana.run("run", "--memory", "lots", "x", "--", "true");
            assertEquals(125, badMemory.exit());
            assertTrue(
                    badMemory.err().contains("--memory \"lots\" is not a size"), badMemory.err());
            NanaCli.Run badSince = nana.run("events", "--since", "yesterday-ish", "--no-follow");
            assertEquals(125, badSince.exit());
            assertTrue(badSince.err().contains("--since \"yesterday-ish\""), badSince.err());
            assertEquals(2, nana.run("run", "--no-such-flag", "x").exit());
            assertEquals(2, nana.run("frobnicate").exit());
        }
    }

    @Test
    void versionHelpAndCompletionAreComplete() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            NanaCli.Run v = nana.run("version");
            assertEquals(0, v.exit(), v.err());
            assertTrue(v.out().startsWith("nana 0."), v.out());
            assertTrue(v.out().contains("libnana ABI " + LibNana.ABI_VERSION), v.out());
            String help = nana.run("--help").out();
            for (String cmd :
                    new String[] {
                        "run",
                        "create",
                        "start",
                        "exec",
                        "kill",
                        "pause",
                        "resume",
                        "update",
                        "stats",
                        "checkpoint",
                        "restore",
                        "delete",
                        "ps",
                        "inspect",
                        "wait",
                        "events",
                        "logs",
                        "attach",
                        "bench",
                        "daemon",
                        "version",
                        "completion"
                    }) {
                assertTrue(help.contains("  " + cmd), "nana --help lists " + cmd + ":\n" + help);
                NanaCli.Run sub = nana.run(cmd, "--help");
                assertEquals(0, sub.exit(), cmd);
                assertTrue(sub.out().startsWith("Usage: nana " + cmd), sub.out());
            }
            assertTrue(
                    nana.run("completion", "bash").out().contains("complete -F"),
                    "a bash completion script");
        }
    }
}
