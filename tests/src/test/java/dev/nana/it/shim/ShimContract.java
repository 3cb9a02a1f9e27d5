package dev.nana.it.shim;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.nana.AlreadyExistsException;
import dev.nana.ContainerSpec;
import dev.nana.FailedPreconditionException;
import dev.nana.InvalidArgumentException;
import dev.nana.NanaException;
import dev.nana.Stdio;
import dev.nana.it.Fixture;
import dev.nana.it.Procs;
import dev.nana.supervisor.Launcher;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.shim.ShimExit;
import dev.nana.supervisor.shim.ShimHandle;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * nana-shim's contract, run against every runtime (RuncShimTest, CrunShimTest): real containers,
 * real cgroups, the shim spawned through libnana exactly as nana does it.
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

    private ShimExit runToExit(String base, Path bundle) {
        try (ShimHandle shim = fx.run(fx.id(base), bundle)) {
            return shim.awaitExit(EXIT_WAIT)
                    .orElseThrow(() -> new AssertionError("no exit within " + EXIT_WAIT));
        }
    }

    /** An exit's code, whether it was derived, and its OOM kills. */
    private static List<Object> fields(ShimExit e) {
        return List.of(e.code(), e.derived(), e.oomKills());
    }

    @Test
    void exitCodesLandInShimExit() throws Exception {
        assertEquals(List.of(0, false, 0), fields(runToExit("zero", fx.bundle("true"))));
        assertEquals(
                List.of(3, false, 0), fields(runToExit("three", fx.bundle("sh", "-c", "exit 3"))));

        String id = fx.id("killed");
        try (ShimHandle shim = fx.run(id, fx.bundle("sleep", "100"))) {
            fx.runtime.kill(id, List.of(), 9, false);
            ShimExit s = shim.awaitExit(EXIT_WAIT).orElseThrow();
            assertEquals(List.of(137, false, 0), fields(s));
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
            assertTrue(
                    Files.exists(shim.dir().exitStatusFile()),
                    "exitStatus is written before the HUP");
            assertEquals(0, shim.awaitExit(EXIT_WAIT).orElseThrow().code());
        }
    }

    @Test
    void exitFifoReaderSeesHupWhenTheShimIsKilled() throws Exception {
        String id = fx.id("shimkill");
        try (ShimHandle shim = fx.run(id, fx.bundle("sleep", "100"))) {
            int pid = shim.pid();
            LibNana.kill(shim.shimPid(), 9);
            ShimExit s =
                    shim.awaitExit(Duration.ofSeconds(2))
                            .orElseThrow(
                                    () ->
                                            new AssertionError(
                                                    "no HUP within 2 s of killing the shim"));
            assertEquals(
                    List.of(137, true, 0), fields(s), "derived: nana killed the orphaned process");
            waitUntil(() -> !Procs.alive(pid), "the orphaned container process dies");
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
            assertTrue(shim.awaitExit(EXIT_WAIT).isPresent(), "the shim exits within " + EXIT_WAIT);
        }
    }

    @Test
    void doubleForkedOrphanIsReapedByTheShim() throws Exception {
        // No pid namespace: the orphan's new parent is the nearest subreaper, the shim.
        Path bundle =
                fx.bundle(
                        List.of("sh", "-c", "(sleep 1 & echo $!); sleep 3"),
                        c -> {
                            ArrayNode ns = (ArrayNode) c.at("/linux/namespaces");
                            for (int i = ns.size() - 1; i >= 0; i--)
                                if (ns.get(i).path("type").asText().equals("pid")) ns.remove(i);
                        });
        String id = fx.id("orphan");
        try (ShimHandle shim = fx.run(id, bundle)) {
            waitUntil(() -> readLog(shim).strip().matches("\\d+"), "the orphan's pid is printed");
            int orphan = Integer.parseInt(readLog(shim).strip());
            // its parent, the subshell, ends just after printing: until then the orphan is not one
            // yet
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(5))
                    .untilAsserted(
                            () ->
                                    assertEquals(
                                            shim.shimPid(),
                                            parentOf(orphan),
                                            "the orphan was reparented to the shim (subreaper)"));
            waitUntil(
                    () -> !Files.exists(Path.of("/proc/" + orphan)),
                    "the orphan is reaped, not a zombie");
            assertEquals(0, shim.awaitExit(EXIT_WAIT).orElseThrow().code());
        }
    }

    private static int parentOf(int pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1)[1]);
    }

    @Test
    void oomKillIsRecordedEvenAtTheFirstInstruction() throws Exception {
        // dd allocates its 64 MiB buffer before anything else: the OOM watch must
        // already be armed when the user's program starts.
        Path bundle =
                fx.bundle(
                        List.of("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"),
                        c ->
                                c.withObjectProperty("linux")
                                        .withObjectProperty("resources")
                                        .withObjectProperty("memory")
                                        .put("limit", 16L << 20));
        ShimExit s = runToExit("oom", bundle);
        assertEquals(137, s.code());
        assertTrue(s.oomKills() >= 1, "oom kills recorded: " + s.oomKills());
    }

    @Test
    void tenMegabytesOfStdoutWithNoReaderDoNotBlock() throws Exception {
        String id = fx.id("flood");
        Path io = Files.createTempDirectory("nana-it-io");
        LibNana.mkfifo(io.resolve("stdout"), 0600);
        ContainerSpec spec =
                fx.spec(id, fx.bundle("head", "-c", "10000000", "/dev/zero"))
                        .stdio(new Stdio(null, io.resolve("stdout"), null))
                        .build();
        try (ShimHandle shim = fx.launch(spec, true)) { // the stdout FIFO exists; nobody reads it
            assertEquals(0, shim.awaitExit(EXIT_WAIT).orElseThrow().code());
            assertEquals(
                    10_000_000L, Files.size(shim.dir().outputLog()), "every byte is in the log");
        } finally {
            StateDir.deleteTree(io);
        }
    }

    @Test
    void terminalAnswersResize() throws Exception {
        String id = fx.id("tty");
        Path bundle = fx.bundle("sh", "-c", "for i in $(seq 1 100); do stty size; sleep 0.1; done");
        try (ShimHandle shim = fx.launch(fx.spec(id, bundle).terminal(true).build(), true)) {
            try (Fd control = LibNana.fifoOpenReadWrite(shim.dir().controlFifo())) {
                LibNana.writeFully(control, "resize 40 100\n");
            }
            waitUntil(() -> readLog(shim).contains("40 100"), "the container sees its new size");
            fx.runtime.kill(id, List.of(), 9, false);
            assertTrue(shim.awaitExit(EXIT_WAIT).isPresent(), "the shim exits within " + EXIT_WAIT);
        }
    }

    @Test
    void startWaitsForTheControlFifo() throws Exception {
        String id = fx.id("created");
        try (ShimHandle shim =
                fx.launch(fx.spec(id, fx.bundle("sh", "-c", "exit 5")).build(), false)) {
            assertTrue(Procs.alive(shim.pid()), "created: the process exists");
            assertFalse(Files.exists(shim.dir().startedFile()));
            assertTrue(
                    shim.awaitExit(Duration.ofMillis(300)).isEmpty(), "not started, so not exited");
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
            assertRefused(
                    InvalidArgumentException.class,
                    "does not exist",
                    () -> fx.spec(fx.id("nobundle"), Path.of("/nonexistent/bundle")).build());
            assertRefused(
                    InvalidArgumentException.class,
                    "is not valid JSON",
                    () -> fx.spec(fx.id("badjson"), notJson).build());
            assertRefused(
                    InvalidArgumentException.class,
                    "is not valid",
                    () -> fx.spec("../x", good).build());
            assertRefused(
                    InvalidArgumentException.class,
                    "unknown runtime \"no-such-runtime\"",
                    () -> fx.spec(fx.id("norun"), good).runtime("no-such-runtime").build());
            // the runtime itself refuses: its own message comes back
            Path noExec = fx.bundle("/bin/nope");
            assertRefused(
                    FailedPreconditionException.class,
                    "/bin/nope",
                    () -> fx.spec(fx.id("noexec"), noExec).build());
            // a config the runtime cannot use
            Path badMount =
                    fx.bundle(
                            List.of("true"),
                            c ->
                                    ((ArrayNode) c.get("mounts"))
                                            .addObject()
                                            .put("destination", "/x")
                                            .put("type", "nosuchfs")
                                            .put("source", "none"));
            assertRefused(
                    FailedPreconditionException.class,
                    "",
                    () -> fx.spec(fx.id("badmount"), badMount).build());
        } finally {
            StateDir.deleteTree(notJson);
        }
        String id = fx.id("twice");
        try (ShimHandle shim = fx.run(id, good)) {
            var dup =
                    assertThrows(
                            AlreadyExistsException.class,
                            () ->
                                    fx.launcher.prepare(
                                            Launcher.resolve(fx.spec(id, good).build(), "runc")));
            assertTrue(dup.getMessage().contains("already exists"));
            assertTrue(shim.awaitExit(EXIT_WAIT).isPresent(), "the shim exits within " + EXIT_WAIT);
        }
    }

    private void assertRefused(
            Class<? extends NanaException> type, String message, Supplier<ContainerSpec> spec)
            throws IOException {
        NanaException e = assertThrows(NanaException.class, () -> fx.launch(spec.get(), true));
        assertEquals(type, e.getClass(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        try (Stream<Path> left = Files.list(fx.stateDir)) {
            assertEquals(List.of(), left.toList(), "a refused create leaves no folder");
        }
        assertEquals(List.of(), Procs.shimsUnder(fx.stateDir), "a refused create leaves no shim");
    }

    static String readLog(ShimHandle shim) {
        try {
            return Files.readString(shim.dir().outputLog());
        } catch (IOException e) {
            return "";
        }
    }

    static void waitUntil(BooleanSupplier condition, String what) {
        await(what)
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(condition::getAsBoolean);
    }
}
