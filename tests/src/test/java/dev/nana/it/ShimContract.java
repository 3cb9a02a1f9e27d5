package dev.nana.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nana.AlreadyExistsException;
import dev.nana.FailedPreconditionException;
import dev.nana.InvalidArgumentException;
import dev.nana.NanaException;
import dev.nana.bundle.Bundle;
import dev.nana.os.Fd;
import dev.nana.os.LibNana;
import dev.nana.shim.ExitStatus;
import dev.nana.shim.ShimHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * nana-shim's contract, run against every runtime (RuncShimTest, CrunShimTest): real
 * containers, real cgroups, the shim spawned through libnana exactly as nana does it.
 */
abstract class ShimContract {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);

    Fixture fx;

    abstract String runtime();

    @BeforeEach
    void setUp() throws IOException {
        fx = new Fixture(runtime());
    }

    @AfterEach
    void tearDown() throws IOException {
        fx.close();
    }

    private ExitStatus runToExit(String base, Path bundle) {
        try (ShimHandle shim = fx.run(fx.id(base), bundle)) {
            return shim.awaitExit(EXIT_WAIT).orElseThrow(() -> new AssertionError("no exit within " + EXIT_WAIT));
        }
    }

    @Test
    void exitCodesLandInExitStatus() throws Exception {
        assertEquals(new ExitStatus(0, false, 0), runToExit("zero", fx.bundle("true")));
        assertEquals(new ExitStatus(3, false, 0), runToExit("three", fx.bundle("sh", "-c", "exit 3")));

        String id = fx.id("killed");
        try (ShimHandle shim = fx.run(id, fx.bundle("sleep", "100"))) {
            fx.runtime.kill(id, List.of(), 9, false);
            ExitStatus s = shim.awaitExit(EXIT_WAIT).orElseThrow();
            assertEquals(new ExitStatus(137, false, 0), s);
            assertEquals("137", Files.readString(shim.dir().exitStatusFile()).strip());
        }
    }

    @Test
    void exitFifoReaderSeesHupWhenTheShimExits() throws Exception {
        String id = fx.id("hup");
        try (ShimHandle shim = fx.run(id, fx.bundle("sleep", "1"));
                Fd other = LibNana.fifoOpenRead(shim.dir().exitFifo())) {
            assertEquals(0, LibNana.poll(other, LibNana.POLLIN, 0), "no HUP while the shim lives");
            int revents = LibNana.poll(other, LibNana.POLLIN, 10_000);
            assertNotEquals(0, revents & LibNana.POLLHUP, "HUP when the shim exits");
            assertTrue(Files.exists(shim.dir().exitStatusFile()), "exitStatus is written before the HUP");
            assertEquals(0, shim.awaitExit(EXIT_WAIT).orElseThrow().code());
        }
    }

    @Test
    void exitFifoReaderSeesHupWhenTheShimIsKilled() throws Exception {
        String id = fx.id("shimkill");
        try (ShimHandle shim = fx.run(id, fx.bundle("sleep", "100"))) {
            int pid = shim.pid();
            LibNana.kill(shim.shimPid(), 9);
            ExitStatus s = shim.awaitExit(Duration.ofSeconds(2)).orElseThrow(() ->
                    new AssertionError("no HUP within 2 s of killing the shim"));
            assertEquals(new ExitStatus(137, true, 0), s, "derived: nana killed the orphaned process");
            waitUntil(() -> !alive(pid), "the orphaned container process dies");
        }
    }

    @Test
    void containerProcessHoldsNoExitFifoDescriptor() throws Exception {
        String id = fx.id("cloexec");
        try (ShimHandle shim = fx.run(id, fx.bundle("sleep", "100"))) {
            Object fifo = Files.getAttribute(shim.dir().exitFifo(), "unix:ino");
            Path fds = Path.of("/proc", Integer.toString(shim.pid()), "fd");
            List<Object> inodes = new ArrayList<>();
            try (Stream<Path> s = Files.list(fds)) {
                for (Path fd : s.toList()) {
                    try {
                        inodes.add(Files.getAttribute(fd, "unix:ino"));
                    } catch (IOException e) {
                        // closed meanwhile
                    }
                }
            }
            assertFalse(inodes.isEmpty(), "the container has its stdio at least");
            assertFalse(inodes.contains(fifo), "the container holds the exit FIFO");
            fx.runtime.kill(id, List.of(), 9, false);
            shim.awaitExit(EXIT_WAIT).orElseThrow();
        }
    }

    @Test
    void doubleForkedOrphanIsReapedByTheShim() throws Exception {
        // No pid namespace: the orphan's new parent is the nearest subreaper, the shim.
        Path bundle = fx.bundle(List.of("sh", "-c", "(sleep 1 & echo $!); sleep 3"), c -> {
            ArrayNode ns = (ArrayNode) c.at("/linux/namespaces");
            for (int i = ns.size() - 1; i >= 0; i--) if (ns.get(i).path("type").asText().equals("pid")) ns.remove(i);
        });
        String id = fx.id("orphan");
        try (ShimHandle shim = fx.run(id, bundle)) {
            waitUntil(() -> readLog(shim).strip().matches("\\d+"), "the orphan's pid is printed");
            int orphan = Integer.parseInt(readLog(shim).strip());
            String stat = Files.readString(Path.of("/proc/" + orphan + "/stat"));
            int ppid = Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
            assertEquals(shim.shimPid(), ppid, "the orphan was reparented to the shim (subreaper)");
            waitUntil(() -> !Files.exists(Path.of("/proc/" + orphan)), "the orphan is reaped, not a zombie");
            assertEquals(0, shim.awaitExit(EXIT_WAIT).orElseThrow().code());
        }
    }

    @Test
    void oomKillIsRecordedEvenAtTheFirstInstruction() throws Exception {
        // dd allocates its 64 MiB buffer before anything else: the OOM watch must
        // already be armed when the user's program starts.
        Path bundle = fx.bundle(List.of("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"),
                c -> c.with("linux").with("resources").with("memory").put("limit", 16L << 20));
        ExitStatus s = runToExit("oom", bundle);
        assertEquals(137, s.code());
        assertTrue(s.oomKills() >= 1, "oom kills recorded: " + s.oomKills());
    }

    @Test
    void tenMegabytesOfStdoutWithNoReaderDoNotBlock() throws Exception {
        String id = fx.id("flood");
        Bundle.Overrides none = Bundle.Overrides.NONE;
        var prepared = fx.launcher.prepare(fx.request(id, fx.bundle("head", "-c", "10000000", "/dev/zero"), true, true, none));
        try (ShimHandle shim = fx.launcher.launch(prepared)) { // stdout FIFO exists; nobody reads it
            assertEquals(0, shim.awaitExit(EXIT_WAIT).orElseThrow().code());
            assertEquals(10_000_000L, Files.size(shim.dir().outputLog()), "every byte is in the log");
        }
    }

    @Test
    void terminalAnswersResize() throws Exception {
        String id = fx.id("tty");
        Bundle.Overrides tty = new Bundle.Overrides(List.of(), List.of(), null, true, null);
        Path bundle = fx.bundle("sh", "-c", "for i in $(seq 1 100); do stty size; sleep 0.1; done");
        try (ShimHandle shim = fx.launcher.launch(fx.launcher.prepare(fx.request(id, bundle, false, true, tty)))) {
            try (Fd control = LibNana.fifoOpenReadWrite(shim.dir().controlFifo())) {
                LibNana.writeFully(control, "resize 40 100\n");
            }
            waitUntil(() -> readLog(shim).contains("40 100"), "the container sees its new size");
            fx.runtime.kill(id, List.of(), 9, false);
            shim.awaitExit(EXIT_WAIT).orElseThrow();
        }
    }

    @Test
    void startWaitsForTheControlFifo() throws Exception {
        String id = fx.id("created");
        var prepared = fx.launcher.prepare(fx.request(id, fx.bundle("sh", "-c", "exit 5"), false, false,
                Bundle.Overrides.NONE));
        try (ShimHandle shim = fx.launcher.launch(prepared)) {
            assertTrue(alive(shim.pid()), "created: the process exists");
            assertFalse(Files.exists(shim.dir().startedFile()));
            assertTrue(shim.awaitExit(Duration.ofMillis(300)).isEmpty(), "not started, so not exited");
            shim.start(Duration.ofSeconds(30));
            assertTrue(Files.exists(shim.dir().startedFile()));
            assertEquals(5, shim.awaitExit(EXIT_WAIT).orElseThrow().code());
        }
    }

    @Test
    void badInputGetsAClearErrorAndLeavesNothingBehind() throws Exception {
        Path good = fx.bundle("true");
        Path notJson = Files.createTempDirectory("nana-it-bad");
        Files.writeString(notJson.resolve("config.json"), "{\"process\": ");
        try {
            assertRefused(InvalidArgumentException.class, "does not exist",
                    () -> fx.request(fx.id("nobundle"), Path.of("/nonexistent/bundle"), false, true, Bundle.Overrides.NONE));
            assertRefused(InvalidArgumentException.class, "is not valid JSON",
                    () -> fx.request(fx.id("badjson"), notJson, false, true, Bundle.Overrides.NONE));
            assertRefused(InvalidArgumentException.class, "is not valid",
                    () -> fx.request("../x", good, false, true, Bundle.Overrides.NONE));
            assertRefused(InvalidArgumentException.class, "unknown runtime \"no-such-runtime\"",
                    () -> new dev.nana.supervisor.CreateRequest(fx.id("norun"), good, "no-such-runtime", List.of(),
                            Bundle.Overrides.NONE, false, false, true, Duration.ofSeconds(30)));
            // the runtime itself refuses: its own message comes back
            Path noExec = fx.bundle("/bin/nope");
            assertRefused(FailedPreconditionException.class, "/bin/nope",
                    () -> fx.request(fx.id("noexec"), noExec, false, true, Bundle.Overrides.NONE));
            // a config the runtime cannot use
            Path badMount = fx.bundle(List.of("true"), c -> ((ArrayNode) c.get("mounts")).addObject()
                    .put("destination", "/x").put("type", "nosuchfs").put("source", "none"));
            assertRefused(FailedPreconditionException.class, "",
                    () -> fx.request(fx.id("badmount"), badMount, false, true, Bundle.Overrides.NONE));
        } finally {
            dev.nana.state.StateDir.deleteTree(notJson);
        }
        String id = fx.id("twice");
        try (ShimHandle shim = fx.run(id, good)) {
            var dup = assertThrows(AlreadyExistsException.class,
                    () -> fx.launcher.prepare(fx.request(id, good, false, true, Bundle.Overrides.NONE)));
            assertTrue(dup.getMessage().contains("already exists"));
            shim.awaitExit(EXIT_WAIT).orElseThrow();
        }
    }

    private void assertRefused(Class<? extends NanaException> type, String message,
            Supplier<dev.nana.supervisor.CreateRequest> request) throws IOException {
        NanaException e = assertThrows(NanaException.class,
                () -> fx.launcher.launch(fx.launcher.prepare(request.get())));
        assertEquals(type, e.getClass(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        try (Stream<Path> left = Files.list(fx.stateDir)) {
            assertEquals(List.of(), left.toList(), "a refused create leaves no folder");
        }
        assertEquals(List.of(), shimsUnder(fx.stateDir), "a refused create leaves no shim");
    }

    /** Pids of nana-shim processes whose cwd is below dir. */
    static List<Long> shimsUnder(Path dir) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("nana-shim")).orElse(false))
                .filter(p -> {
                    try {
                        return Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/cwd")).startsWith(dir);
                    } catch (IOException e) {
                        return false;
                    }
                })
                .map(ProcessHandle::pid).toList();
    }

    static boolean alive(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    static String readLog(ShimHandle shim) {
        try {
            return Files.readString(shim.dir().outputLog());
        } catch (IOException e) {
            return "";
        }
    }

    static void waitUntil(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting until " + what);
            Thread.sleep(20);
        }
    }
}
