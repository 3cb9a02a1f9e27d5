package dev.nana.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** bin/nana as a user runs it: a real process, real runtimes, its own state directory. */
class CliTest {
    Path stateDir;

    record Run(int exit, String out, String err) {}

    @BeforeEach
    void setUp() throws IOException {
        assertTrue(Fixture.isRoot(), "integration tests need root");
        stateDir = Files.createTempDirectory(Path.of("/run"), "nana-cli-");
    }

    @AfterEach
    void tearDown() throws IOException {
        dev.nana.state.StateDir.deleteTree(stateDir);
    }

    Run nana(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("nana.home", "."), "bin", "nana").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("NANA_STATE_DIR", stateDir.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "nana " + String.join(" ", args) + " finished");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private void assertStateEmpty() throws IOException {
        try (Stream<Path> s = Files.list(stateDir)) {
            assertEquals(List.of(), s.toList());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void runPrintsOutputAndExitsWithTheContainersCode(String runtime) throws Exception {
        Run hi = nana("run", "--rm", "--runtime", runtime, "hello", "--", "echo", "hi");
        assertEquals(new Run(0, "hi\n", ""), hi);
        Run three = nana("run", "--rm", "--runtime", runtime, "three", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(new Run(3, "out\n", "err\n"), three);
        assertStateEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void runReportsAnOomKill(String runtime) throws Exception {
        Run oom = nana("run", "--rm", "--runtime", runtime, "--memory", "16m", "oom", "--",
                "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1");
        assertEquals(137, oom.exit(), oom.err());
        assertTrue(oom.err().contains("was OOM-killed"), oom.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "a/b", ""})
    void badIdsExit125WithTheReason(String id) throws Exception {
        Run r = nana("run", "--rm", id, "--", "true");
        assertEquals(125, r.exit());
        assertTrue(r.err().startsWith("nana: container id"), r.err());
        assertStateEmpty();
    }

    @org.junit.jupiter.api.Test
    void nanaErrorsAndUsageErrorsHaveTheirOwnCodes() throws Exception {
        Run noRuntime = nana("run", "--runtime", "nope", "x", "--", "true");
        assertEquals(125, noRuntime.exit());
        assertTrue(noRuntime.err().contains("unknown runtime \"nope\""), noRuntime.err());
        Run noBundle = nana("run", "--bundle", "/nonexistent", "x");
        assertEquals(125, noBundle.exit());
        assertTrue(noBundle.err().contains("bundle \"/nonexistent\" does not exist"), noBundle.err());
        Run badMemory = nana("run", "--memory", "lots", "x", "--", "true");
        assertEquals(125, badMemory.exit());
        assertTrue(badMemory.err().contains("--memory \"lots\" is not a size"), badMemory.err());
        Run usage = nana("run", "--no-such-flag", "x");
        assertEquals(2, usage.exit());
        assertStateEmpty();
    }

    @org.junit.jupiter.api.Test
    void versionNamesTheNativeParts() throws Exception {
        Run v = nana("version");
        assertEquals(0, v.exit(), v.err());
        assertTrue(v.out().startsWith("nana 0."), v.out());
        assertTrue(v.out().contains("libnana ABI 1"), v.out());
        assertTrue(v.out().contains("nana-shim /"), v.out());
    }
}
