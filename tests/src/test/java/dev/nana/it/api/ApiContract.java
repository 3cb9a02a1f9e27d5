package dev.nana.it.api;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.Bytes;
import dev.nana.ClientIo;
import dev.nana.Container;
import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.DeadlineExceededException;
import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventSubscriber;
import dev.nana.EventType;
import dev.nana.ExecHandle;
import dev.nana.ExecInfo;
import dev.nana.ExecSpec;
import dev.nana.ExitStatus;
import dev.nana.FailedPreconditionException;
import dev.nana.InvalidArgumentException;
import dev.nana.NotFoundException;
import dev.nana.OutputGapException;
import dev.nana.Resources;
import dev.nana.Signal;
import dev.nana.Stdio;
import dev.nana.Subscription;
import dev.nana.Supervisor;
import dev.nana.it.FaultSize;
import dev.nana.it.Fixture;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java API's contract, run once against the in-process supervisor (InProcessApiTest) and once
 * against a real daemon through nana-client (DaemonApiTest), as netty runs one suite per transport:
 * the same calls give the same results and the same exceptions.
 */
abstract class ApiContract {
    Supervisor nana;
    Path bundle;
    boolean closedByTest; // nana closed by the test itself: nothing left to remove

    /** A supervisor of the kind under test, on a private state directory. */
    abstract Supervisor open() throws Exception;

    /** Ends what open() started. */
    abstract void shutDown() throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        bundle = Fixture.demoBundle();
        nana = open();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (!closedByTest) for (var c : nana.list()) nana.forceDelete(c.id());
        nana.close();
        shutDown();
    }

    ContainerSpec spec(String id, String... args) {
        return ContainerSpec.builder(id, bundle).args(args).build();
    }

    @Test
    void aLaunchedContainersOutputIsAStreamItsExitIsKnownAndCloseDeletesIt() throws Exception {
        Container c = nana.launch(spec("out", "sh", "-c", "echo one; echo two >&2; exit 3"));
        try (c) {
            String out = new String(c.output().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(List.of("one", "two"), out.lines().sorted().toList(), out);
            assertEquals(3, c.waitFor().code());
            assertEquals(3, c.onExit().join().code());
            assertEquals(ContainerStatus.STOPPED, c.info().status());
        }
        assertThrows(NotFoundException.class, () -> nana.state("out"));
        c.close(); // twice: nothing
    }

    /** seq's lines: what `seq 1 lines` writes, for checking a stream of it line by line. */
    private static final int SEQ_LINES = FaultSize.of("output.api.lines", 5_000_000, 30_000_000);

    @Test
    void aLaunchedContainersOutputReachesAReaderThatSleepsWholeLineByLine() throws Exception {
        try (Container c = nana.launch(spec("seq", "seq", "1", Integer.toString(SEQ_LINES)));
                BufferedReader r =
                        new BufferedReader(
                                new InputStreamReader(c.output(), StandardCharsets.US_ASCII))) {
            int expected = 1;
            for (String line; (line = r.readLine()) != null; expected++) {
                if (!line.equals(Integer.toString(expected)))
                    throw new AssertionError("line " + expected + " is \"" + line + "\"");
                if (expected % 20_000 == 0) Thread.sleep(2); // behind: the container waits
            }
            assertEquals(SEQ_LINES + 1, expected, "every line arrived");
            assertEquals(0, c.waitFor().code());
        }
    }

    @Test
    void aReaderAttachedBeforeStartGetsEveryByteAndClosingItLetsTheContainerRunOn()
            throws Exception {
        nana.create(spec("attached", "sh", "-c", "seq 1 " + SEQ_LINES + "; echo end"));
        InputStream out = nana.attachOutput("attached");
        nana.start("attached");
        byte[] first = out.readNBytes(1 << 20); // then it stops reading, and lets go
        assertEquals("1\n2\n3\n", new String(first, 0, 6, StandardCharsets.US_ASCII));
        out.close();
        // detached: the container no longer waits for anyone, and its log has the rest
        assertEquals(0, nana.waitForExit("attached").get(120, TimeUnit.SECONDS).code());
        assertThrows(FailedPreconditionException.class, () -> nana.attachOutput("attached"));
    }

    @Test
    void aLateReaderOfTheLogIsToldExactlyHowManyBytesItMissed() throws Exception {
        // seq -w: each line 7 digits and a newline; 40,000,000 bytes, more than the log keeps
        long total = 5_000_000L * 8;
        nana.run(spec("gap", "seq", "-w", "1", "5000000"));
        assertEquals(0, nana.waitForExit("gap").get(120, TimeUnit.SECONDS).code());
        try (InputStream in = nana.output("gap")) {
            OutputGapException gap =
                    assertThrows(OutputGapException.class, () -> in.read(new byte[8192]));
            byte[] rest = in.readAllBytes();
            assertEquals(total, gap.droppedBytes() + rest.length, gap.getMessage());
            assertTrue(rest.length >= 16 << 20, "the log keeps at least its last 16 MiB");
            byte[] line = new byte[8];
            long lineNo = -1;
            for (int i = 0; i < rest.length; i++) {
                long at = gap.droppedBytes() + i;
                if (at / 8 != lineNo) { // "%07d\n" of lineNo + 1
                    lineNo = at / 8;
                    long v = lineNo + 1;
                    for (int d = 6; d >= 0; d--, v /= 10) line[d] = (byte) ('0' + v % 10);
                    line[7] = '\n';
                }
                if (rest[i] != line[(int) (at % 8)])
                    throw new AssertionError("byte " + at + " of the output is not seq's");
            }
        }
    }

    @Test
    void inputIsTheContainersStdinAndClosingItEndsIt() throws Exception {
        ContainerSpec s =
                ContainerSpec.builder("in", bundle)
                        .args("sh", "-c", "tr a-z A-Z; echo done")
                        .openStdin()
                        .build();
        try (Container c = nana.launch(s)) {
            try (OutputStream in = c.input()) {
                in.write("hello\n".getBytes(StandardCharsets.UTF_8));
                in.write("world\n".getBytes(StandardCharsets.UTF_8));
            } // end-of-file: tr ends
            assertEquals(0, c.waitFor().code());
            String out = new String(c.output().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("HELLO\nWORLD\ndone\n", out);
        }
        try (Container c = nana.launch(spec("no-in", "sleep", "100"))) {
            assertThrows(FailedPreconditionException.class, c::input);
        }
        assertThrows(
                InvalidArgumentException.class,
                () ->
                        ContainerSpec.builder("both", bundle)
                                .openStdin()
                                .stdio(new Stdio(Path.of("/run/x"), null, null))
                                .build());
    }

    @Test
    void writingToTheInputOfAContainerThatExitedFailsNamingIt() throws Exception {
        ContainerSpec s =
                ContainerSpec.builder("gone", bundle)
                        .args("sh", "-c", "read x; exit 0")
                        .openStdin()
                        .build();
        try (Container c = nana.launch(s)) {
            OutputStream in = c.input();
            in.write("one line\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertEquals(0, c.waitFor().code());
            // once its shim is gone too, a write fails (through a daemon, the one after: a write
            // is sent, and the daemon's failure comes back), and says whose input it was
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            java.io.IOException failed = null;
            while (failed == null && System.nanoTime() < until) {
                try {
                    in.write("more\n".getBytes(StandardCharsets.UTF_8));
                    Thread.sleep(50);
                } catch (java.io.IOException e) {
                    failed = e;
                }
            }
            assertTrue(failed != null, "a write to an exited container's input fails");
            assertTrue(
                    failed.getMessage()
                            .startsWith(
                                    "the input of container \"gone\" is closed: its process no"
                                            + " longer reads it"),
                    failed.getMessage());
            try {
                in.close();
            } catch (java.io.IOException same) {
                assertEquals(failed.getMessage(), same.getMessage(), "the same failure");
            }
        }
    }

    @Test
    void aClientAttachesItsOwnFifosWritesStdinAndEndsItWithCloseInput(@TempDir Path tmp)
            throws Exception {
        ContainerSpec s =
                ContainerSpec.builder("att", bundle)
                        .args("sh", "-c", "cat; echo done; echo gone >&2")
                        .openStdin()
                        .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (Container c = nana.launch(s);
                InputStream launched = c.output();
                ClientIo.Fifos fifos = ClientIo.of(tmp).fifos("api-", true, true, out, err)) {
            c.attach(fifos.stdio()); // the launch's own reader is let go: its stream ends
            CompletableFuture<byte[]> before =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    return launched.readAllBytes();
                                } catch (java.io.IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            });
            assertEquals(0, before.get(10, TimeUnit.SECONDS).length, "its stream ends, empty");
            try (OutputStream in = fifos.openInput()) {
                in.write("hello\n".getBytes(StandardCharsets.UTF_8));
                in.flush();
            } // a client's own FIFO closed: a detach, the input goes on
            assertEquals(ContainerStatus.RUNNING, c.info().status());
            c.closeInput(); // end-of-file: cat ends
            assertEquals(0, c.waitFor().code());
            assertTrue(fifos.join(10_000), "the shim closes the FIFOs once all is written");
            assertEquals("hello\ndone\n", out.toString(StandardCharsets.UTF_8));
            assertEquals("gone\n", err.toString(StandardCharsets.UTF_8));
            assertTrue(fifos.failure().isEmpty());
            Path file = Files.writeString(tmp.resolve("not-a-fifo"), "");
            assertThrows(
                    InvalidArgumentException.class,
                    () -> c.attach(new Stdio(null, file, null)),
                    "a regular file is refused before the shim is told");
            assertThrows(
                    InvalidArgumentException.class,
                    () -> c.attach(new Stdio(null, Path.of("relative"), null)));
            assertThrows(FailedPreconditionException.class, () -> c.attach(fifos.stdio()));
            assertThrows(FailedPreconditionException.class, c::closeInput);
            assertThrows(NotFoundException.class, () -> nana.attach("nothing-here", fifos.stdio()));
        }
        assertThrows(InvalidArgumentException.class, () -> nana.attach("att", Stdio.NONE));
        assertThrows(InvalidArgumentException.class, () -> nana.closeInput("../att", null));
    }

    @Test
    void resizeSizesATerminalItsProgramSees() throws Exception {
        ContainerSpec s =
                ContainerSpec.builder("tty", bundle)
                        .args("sh", "-c", "read x; stty size")
                        .terminal(true)
                        .openStdin()
                        .build();
        try (Container c = nana.launch(s)) {
            c.resize(33, 77);
            try (OutputStream in = c.input()) {
                in.write("\n".getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(c.output().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(out.contains("33 77"), out);
            assertEquals(0, c.waitFor().code());
            assertThrows(FailedPreconditionException.class, () -> c.resize(40, 100));
        }
        try (Container c = nana.launch(spec("tty2", "sleep", "100"))) {
            assertThrows(InvalidArgumentException.class, () -> c.resize(0, 80));
            assertThrows(InvalidArgumentException.class, () -> c.resize(24, 70_000));
            assertThrows(NotFoundException.class, () -> nana.resize("tty2", "no-exec", 24, 80));
            c.resize(24, 80); // no terminal: ignored, as a pipe ignores it
        }
        assertThrows(NotFoundException.class, () -> nana.resize("tty2", null, 24, 80));
    }

    @Test
    void aHandleExecsPausesUpdatesAndKills() throws Exception {
        try (Container c = nana.launch(spec("h", "sleep", "100"))) {
            ExecInfo e = c.exec(ExecSpec.builder("sh", "-c", "exit 4").env("A", "1").build());
            assertEquals(4, c.onExit(e).join().code());
            c.pause();
            assertEquals(ContainerStatus.PAUSED, c.info().status());
            c.resume();
            c.update(Resources.builder().memoryLimit(Bytes.mib(64)).pidsLimit(50).build());
            assertEquals(Bytes.mib(64), c.stats().memoryLimitBytes());
            c.kill(Signal.KILL);
            assertEquals(137, c.waitFor().code());
            assertThrows(NotFoundException.class, () -> nana.container("no-such"));
        }
    }

    @Test
    void anExecHandlesStreamsAreItsStdinStdoutAndStderrApart() throws Exception {
        try (Container c = nana.launch(spec("eh", "sleep", "100"))) {
            try (ExecHandle e =
                    c.launch(
                            ExecSpec.of(
                                    "sh",
                                    "-c",
                                    "while read l; do echo out:$l; echo err:$l >&2; done; exit 5"))) {
                assertTrue(e.pid() > 0 && !e.execId().isEmpty(), e.toString());
                assertEquals("eh", e.containerId());
                e.input().write("a\nb\n".getBytes(StandardCharsets.UTF_8));
                e.input().flush();
                assertTrue(!e.waitFor(Duration.ofMillis(200)), "it reads on until end-of-file");
                assertTrue(e.isAlive());
                e.input().close();
                assertEquals("out:a\nout:b\n", new String(e.output().readAllBytes(), UTF_8));
                assertEquals("err:a\nerr:b\n", new String(e.error().readAllBytes(), UTF_8));
                assertEquals(5, e.waitFor().code());
                assertTrue(!e.isAlive());
            }
            // lines, and every byte of a big output while its stderr comes too, read apart
            try (ExecHandle e =
                    c.launch(
                            ExecSpec.of(
                                    "sh",
                                    "-c",
                                    "i=0; while [ $i -lt 2000 ]; do i=$((i+1)); echo $i; done")); ) {
                List<String> lines = e.lines().toList();
                assertEquals(2000, lines.size());
                assertEquals("2000", lines.getLast());
                assertEquals(0, e.waitFor().code());
            }
            try (ExecHandle e =
                    c.launch(
                            ExecSpec.of(
                                    "sh",
                                    "-c",
                                    "head -c 8388608 /dev/zero; head -c 3000000 /dev/zero >&2"))) {
                CompletableFuture<Long> err =
                        CompletableFuture.supplyAsync(
                                () -> {
                                    try {
                                        return e.error()
                                                .transferTo(OutputStream.nullOutputStream());
                                    } catch (java.io.IOException x) {
                                        throw new java.io.UncheckedIOException(x);
                                    }
                                });
                assertEquals(8L << 20, e.output().transferTo(OutputStream.nullOutputStream()));
                assertEquals(3_000_000L, err.get(60, TimeUnit.SECONDS));
                assertEquals(0, e.waitFor().code());
            }
            // a terminal: one stream, stderr in it; error() is empty
            try (ExecHandle e =
                    c.launch(
                            ExecSpec.builder(
                                            "sh",
                                            "-c",
                                            "echo to-err >&2; tty >/dev/null && echo tty")
                                    .terminal(24, 80)
                                    .build())) {
                String out = new String(e.output().readAllBytes(), UTF_8);
                assertEquals(
                        List.of("to-err", "tty"), out.lines().map(String::strip).toList(), out);
                assertEquals(-1, e.error().read());
                assertEquals(0, e.waitFor().code());
            }
            // the handle is the exec's stdio: a spec with its own is refused, the same everywhere
            Stdio own = new Stdio(null, Path.of("/tmp/out"), null);
            InvalidArgumentException refused =
                    assertThrows(
                            InvalidArgumentException.class,
                            () -> c.launch(ExecSpec.builder("true").stdio(own).build()));
            assertTrue(refused.getMessage().contains("stdio of its own"), refused.getMessage());
        }
        assertThrows(NotFoundException.class, () -> nana.launch("no-such", ExecSpec.of("true")));
    }

    @Test
    void twoEnvEntriesGivenAsTwoArgumentsAreTwoVariables() throws Exception {
        // Java binds env("A=1", "B=2") to env(key, value): it gave A the value "1=B=2" once
        try (Container c =
                nana.launch(
                        ContainerSpec.builder("env", bundle)
                                .args("sh", "-c", "echo \"$A|$B\"")
                                .env("A=1", "B=2")
                                .build())) {
            assertEquals("1|2\n", new String(c.output().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(0, c.waitFor().code());
        }
    }

    @Test
    void anUpdateTheRuntimeRefusesSaysItsErrorNotItsWarnings() throws Exception {
        try (Container c = nana.launch(spec("tight", "sleep", "100"))) {
            var e =
                    assertThrows(
                            FailedPreconditionException.class,
                            () -> c.update(Resources.builder().memoryLimit(4096).build()));
            assertTrue(e.getMessage().contains("memory limit"), e.getMessage());
            assertTrue(!e.getMessage().contains("level=warning"), e.getMessage());
            assertTrue(!e.getMessage().contains("might be inconsistent"), e.getMessage());
            assertEquals(ContainerStatus.RUNNING, c.info().status(), "and it runs on");
        }
    }

    @Test
    void stopGivesTheTermTrapItsTimeThenKillsWhatIgnoresIt() throws Exception {
        try (Container c =
                nana.launch(
                        spec(
                                "trap",
                                "sh",
                                "-c",
                                "trap 'echo cleaned up; exit 7' TERM; echo ready; while :; do sleep"
                                        + " 0.1; done"))) {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(c.output(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine()); // the trap is set
            assertTrue(c.isAlive());
            assertTrue(c.pid() > 0, "a pid while it runs: " + c.pid());
            assertTrue(!c.waitFor(Duration.ofMillis(200)), "it runs on");
            ExitStatus e = c.stop(Duration.ofSeconds(30));
            assertEquals(7, e.code(), "the trap ran, and its exit is the container's");
            assertEquals("cleaned up", out.readLine());
            assertTrue(c.waitFor(Duration.ZERO), "exited");
            assertTrue(!c.isAlive());
            assertEquals(0, c.pid());
            assertEquals(7, c.stop(Duration.ofSeconds(1)).code(), "stopped already: its exit");
        }
        try (Container c =
                nana.launch(
                        spec(
                                "deaf",
                                "sh",
                                "-c",
                                "trap '' TERM; echo ready; while :; do sleep 0.1; done"))) {
            assertEquals(
                    "ready",
                    new BufferedReader(new InputStreamReader(c.output(), StandardCharsets.UTF_8))
                            .readLine());
            c.pause();
            assertEquals(137, c.stop(Duration.ofMillis(500)).code(), "killed after its grace");
        }
    }

    @Test
    void aCreateOrRunMadeAgainWithItsRequestIdReturnsTheSameContainer() throws Exception {
        ContainerSpec once =
                ContainerSpec.builder("req", bundle).args("sleep", "100").requestId("r-1").build();
        ContainerInfo first = nana.create(once);
        assertEquals(ContainerStatus.CREATED, first.status());
        assertEquals(ContainerStatus.CREATED, nana.create(once).status(), "the same, as it was");
        ContainerInfo running = nana.run(once); // a run of the same request starts it
        assertEquals(ContainerStatus.RUNNING, running.status());
        ContainerInfo again = nana.run(once);
        assertEquals(running.pid(), again.pid(), "the same container, not a new one");
        assertEquals("r-1", again.labels().get(ContainerSpec.REQUEST_ID_LABEL));
        // another request, or none, for the same id: it exists
        assertThrows(
                dev.nana.AlreadyExistsException.class,
                () ->
                        nana.run(
                                ContainerSpec.builder("req", bundle)
                                        .args("sleep", "100")
                                        .requestId("r-2")
                                        .build()));
        assertThrows(
                dev.nana.AlreadyExistsException.class, () -> nana.run(spec("req", "sleep", "100")));
        assertThrows(
                InvalidArgumentException.class,
                () -> ContainerSpec.builder("x", bundle).requestId(" ").build());
        nana.forceDelete("req");
    }

    @Test
    void theSameMistakeGivesTheSameException() throws Exception {
        assertThrows(InvalidArgumentException.class, () -> nana.state(null));
        assertThrows(InvalidArgumentException.class, () -> nana.start(null));
        assertThrows(InvalidArgumentException.class, () -> nana.kill("../x", Signal.TERM));
        assertThrows(NotFoundException.class, () -> nana.state("nothing-here"));
        assertThrows(
                InvalidArgumentException.class,
                () -> ContainerSpec.builder("m", bundle).memoryLimit(0).build());
        assertThrows(
                InvalidArgumentException.class, () -> ContainerSpec.builder(null, bundle).build());
        assertThrows(
                InvalidArgumentException.class,
                () -> nana.run(ContainerSpec.builder("b", Path.of("/no/bundle")).build()));
        try (Container c = nana.launch(spec("s", "sleep", "100"))) {
            assertThrows(InvalidArgumentException.class, () -> nana.kill("s", 0, false));
            assertThrows(
                    InvalidArgumentException.class,
                    () -> nana.update("s", Resources.builder().build()));
            assertThrows(FailedPreconditionException.class, () -> nana.delete("s"));
            assertThrows(FailedPreconditionException.class, () -> nana.start("s"));
            assertEquals(ContainerStatus.RUNNING, c.info().status());
        }
    }

    @Test
    void aClosedSupervisorSaysItIsClosedToEveryCall() throws Exception {
        nana.close();
        closedByTest = true;
        List<org.junit.jupiter.api.function.Executable> calls =
                List.of(
                        () -> nana.list(),
                        () -> nana.state("x"),
                        () -> nana.run(spec("x", "true")),
                        () -> nana.kill("x", Signal.TERM),
                        () -> nana.waitForExit("x"),
                        () -> nana.input("x"),
                        () -> nana.attachOutput("x"),
                        () -> nana.resize("x", null, 24, 80),
                        () -> nana.subscribe(EventFilter.ALL, _ -> {}));
        for (var call : calls) {
            var e = assertThrows(dev.nana.UnavailableException.class, call);
            assertTrue(e.getMessage().startsWith("this supervisor is closed: "), e.getMessage());
        }
        nana.close(); // twice: nothing
    }

    @Test
    void aListenerThatThrowsIsLoggedAndDeliveryGoesOn() throws Exception {
        List<Event> seen = new CopyOnWriteArrayList<>();
        EventSubscriber throwing =
                e -> {
                    seen.add(e);
                    throw new IllegalStateException("a listener's bug");
                };
        try (Subscription _ = nana.subscribe(EventFilter.of("l1", "l2"), throwing)) {
            try (Container a = nana.launch(spec("l1", "true"));
                    Container b = nana.launch(spec("l2", "true"))) {
                a.waitFor();
                b.waitFor();
            }
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(
                            () ->
                                    assertEquals(
                                            2,
                                            seen.stream()
                                                    .filter(e -> e.type() == EventType.DELETE)
                                                    .count(),
                                            seen.toString()));
        }
    }

    @Test
    void aCallPastItsOwnTimeoutThrowsDeadlineExceededAndAsyncCallsCompleteTheirFutures()
            throws Exception {
        // a runtime that takes 3 s to answer anything: the call outlives a 500 ms timeout
        Path slow = Files.createTempFile(Path.of("/run"), "slow-runc-", "");
        Files.writeString(slow, "#!/bin/sh\nsleep 3\nexec /usr/sbin/runc \"$@\"\n");
        Files.setPosixFilePermissions(slow, PosixFilePermissions.fromString("rwx------"));
        try {
            ContainerSpec s =
                    ContainerSpec.builder("slow", bundle)
                            .runtime(slow.toString())
                            .args("true")
                            .build();
            long t0 = System.nanoTime();
            DeadlineExceededException e =
                    assertThrows(
                            DeadlineExceededException.class,
                            () -> nana.withTimeout(Duration.ofMillis(500)).run(s));
            assertTrue(System.nanoTime() - t0 < 2_500_000_000L, "at the timeout, not after");
            assertTrue(e.getMessage().contains("run did not finish within 500 ms"), e.getMessage());
            // the operation goes on: it is there once the runtime answers
            await().atMost(Duration.ofSeconds(30)).until(() -> exists("slow"));
            nana.waitForExit("slow").get(30, TimeUnit.SECONDS);
            nana.forceDelete("slow");
        } finally {
            Files.delete(slow);
        }
        CompletableFuture<ContainerInfo> ran = nana.async(n -> n.run(spec("a1", "true")));
        assertEquals("a1", ran.get(30, TimeUnit.SECONDS).id());
        CompletableFuture<ContainerInfo> missing = nana.async(n -> n.state("no-such"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> missing.get());
        assertTrue(e.getCause() instanceof NotFoundException, e.toString());
    }

    private boolean exists(String id) {
        return nana.list().stream().anyMatch(c -> c.id().equals(id));
    }

    @Test
    void anInterruptedWaitThrowsInterruptedAndLeavesTheContainerAlone() throws Exception {
        try (Container c = nana.launch(spec("i", "sleep", "100"))) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread waiter =
                    Thread.ofPlatform()
                            .start(
                                    () -> {
                                        try {
                                            c.waitFor();
                                        } catch (Throwable t) {
                                            thrown.set(t);
                                        }
                                    });
            Thread.sleep(200);
            waiter.interrupt();
            waiter.join(10_000);
            assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
            assertEquals(ContainerStatus.RUNNING, c.info().status());
        }
    }
}
