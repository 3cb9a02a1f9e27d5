package dev.nana.it.supervisor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.ContainerInfo;
import dev.nana.ContainerStatus;
import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventType;
import dev.nana.ExitStatus;
import dev.nana.Subscription;
import dev.nana.it.Fixture;
import dev.nana.supervisor.Launcher;
import dev.nana.supervisor.LocalSupervisor;
import dev.nana.supervisor.shim.Shim;
import dev.nana.supervisor.shim.ShimSpec;
import dev.nana.supervisor.state.StateDir;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both ways a container starts, with real runc and crun: through the runtime's exec FIFO (the shim
 * does what {@code runtime start} does: the fast path, the default) and through {@code runtime
 * start} (fastStart off). Either way the program runs only once started, an OOM kill at its first
 * instruction is caught, and exit codes and events are the same.
 */
class StartPathsTest {
    @ParameterizedTest(name = "{0}, fast start {1}")
    @CsvSource({"runc, true", "runc, false", "crun, true", "crun, false"})
    void theProgramRunsOnlyOnceStartedAndEndsTheSameWay(String runtime, boolean fast)
            throws Exception {
        try (Fixture fx = new Fixture(runtime);
                LocalSupervisor nana = supervisor(fx, runtime, fast)) {
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Subscription _ = nana.subscribe(EventFilter.ALL, null, events::add)) {
                String id = fx.id("paths");
                ContainerInfo created =
                        nana.create(
                                fx.spec(id, fx.bundle("sh", "-c", "sleep 0.3; exit 3")).build());
                assertEquals(ContainerStatus.CREATED, created.status());
                Path init = fx.stateDir.resolve(id).resolve("init");
                String shimArgs =
                        commandLine(
                                Long.parseLong(
                                        Files.readString(init.resolve("shim")).split(" ", -1)[0]));
                assertEquals(
                        fast,
                        shimArgs.contains("--start-fifo-"),
                        "the shim's start path: " + shimArgs);
                // created: the runtime holds the process; the program (busybox sh) has not been
                // exec'd
                Thread.sleep(200);
                assertFalse(
                        exe(created.pid()).contains("busybox"),
                        "before start it is the runtime's, not the program: " + exe(created.pid()));
                nana.start(id);
                // crun's start (its own or the shim's) hands over the byte and returns; the exec
                // follows at once
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!exe(created.pid()).contains("busybox") && System.nanoTime() < until)
                    Thread.sleep(5);
                assertTrue(
                        exe(created.pid()).contains("busybox"),
                        "started, the program runs: " + exe(created.pid()));
                ExitStatus exit = nana.waitForExit(id).get(30, TimeUnit.SECONDS);
                assertEquals(3, exit.code());
                assertFalse(exit.derived());

                String oom = fx.id("oom");
                nana.run(
                        fx.spec(
                                        oom,
                                        fx.bundle(
                                                List.of(
                                                        "dd",
                                                        "if=/dev/zero",
                                                        "of=/dev/null",
                                                        "bs=64M",
                                                        "count=1"),
                                                c ->
                                                        c.withObjectProperty("linux")
                                                                .withObjectProperty("resources")
                                                                .withObjectProperty("memory")
                                                                .put("limit", 16L << 20)))
                                .build());
                ExitStatus killed = nana.waitForExit(oom).get(30, TimeUnit.SECONDS);
                assertEquals(137, killed.code());
                assertTrue(killed.oomKilled(), "the OOM kill at the first instruction is seen");

                nana.delete(id, false);
                nana.delete(oom, false);
                await().atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(20))
                        .until(
                                () ->
                                        events.stream()
                                                        .filter(e -> e.type() == EventType.DELETE)
                                                        .count()
                                                >= 2);
                assertEquals(
                        List.of(
                                EventType.CREATE,
                                EventType.START,
                                EventType.EXIT,
                                EventType.DELETE),
                        events.stream().filter(e -> e.id().equals(id)).map(Event::type).toList());
                assertEquals(
                        List.of(
                                EventType.CREATE,
                                EventType.START,
                                EventType.OOM,
                                EventType.EXIT,
                                EventType.DELETE),
                        events.stream().filter(e -> e.id().equals(oom)).map(Event::type).toList());
                assertEquals(
                        Integer.valueOf(3),
                        events.stream()
                                .filter(e -> e.id().equals(id) && e.type() == EventType.EXIT)
                                .findFirst()
                                .orElseThrow()
                                .exitCode());
            }
        }
    }

    /**
     * A container killed between create and start (its init held by the runtime): the start fails,
     * and the shim records the real status (137), never leaving a pid without an exit status for a
     * supervisor to derive one from. The crash suite found this: a container killed behind the
     * daemon's back while its run was cut short came back as a derived 255.
     */
    @ParameterizedTest(name = "{0}, fast start {1}")
    @CsvSource({"runc, true", "runc, false", "crun, true", "crun, false"})
    void aContainerKilledBeforeItStartedEndsWithItsRealStatus(String runtime, boolean fast)
            throws Exception {
        try (Fixture fx = new Fixture(runtime);
                LocalSupervisor nana = supervisor(fx, runtime, fast)) {
            String id = fx.id("unstarted");
            ContainerInfo created = nana.create(fx.spec(id, fx.bundle("sleep", "100")).build());
            Process kill =
                    new ProcessBuilder(runtime, "kill", id, "KILL")
                            .redirectErrorStream(true)
                            .start();
            assertEquals(
                    0,
                    kill.waitFor(),
                    new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (ProcessHandle.of(created.pid()).map(ProcessHandle::isAlive).orElse(false)
                    && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            org.junit.jupiter.api.Assertions.assertThrows(
                    dev.nana.NanaException.class, () -> nana.start(id));
            ExitStatus exit = nana.waitForExit(id).get(30, TimeUnit.SECONDS);
            assertEquals(137, exit.code(), exit.toString());
            assertFalse(exit.derived(), "recorded by the shim, not derived: " + exit);
            assertEquals(
                    "137",
                    Files.readString(fx.stateDir.resolve(id).resolve("init").resolve("exitStatus"))
                            .strip());
            nana.delete(id, false);
        }
    }

    /**
     * The crash suite's case, made certain: the container dies between the shim's create and its
     * start (run), which no supervisor may be there to see. A runc that kills the container right
     * after creating it stands in for the kill that came from elsewhere. The shim's start fails,
     * and the folder must then hold the real exit status: before, the shim exited without one, and
     * a restarted supervisor derived 255 for a SIGKILLed container (issue 12, item 9).
     */
    @ParameterizedTest(name = "fast start {0}")
    @CsvSource({"true", "false"})
    void aContainerThatDiesBetweenCreateAndStartLeavesItsExitStatus(boolean fast) throws Exception {
        Path dir = Files.createTempDirectory("nana-killing-runc-");
        Path wrapper =
                dir.resolve("runc-kills-after-create"); // a runc by name: the fast path applies
        Files.writeString(
                wrapper,
                """
                #!/bin/sh
                # runc; right after a create, the container's init is killed: it dies before it starts
                /usr/sbin/runc "$@" || exit $?
                eval id=\\${$#}
                for a in "$@"; do
                  if [ "$a" = create ]; then /usr/sbin/runc kill "$id" KILL; sleep 0.3; fi
                done
                exit 0
                """);
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        try (Fixture fx = new Fixture("runc")) {
            String id = fx.id("dies-early");
            Launcher.Prepared p =
                    fx.launcher.prepare(
                            Launcher.resolve(
                                    fx.spec(id, fx.bundle("sleep", "100"))
                                            .runtime(wrapper.toString())
                                            .build(),
                                    "runc"));
            assertTrue(p.startFifo() != null, "a runc by name may start through its FIFO");
            ShimSpec shim =
                    new ShimSpec(
                            id,
                            p.dir().resolve("bundle"),
                            null,
                            p.runtime(),
                            List.of(),
                            null,
                            null,
                            null,
                            false,
                            true,
                            ShimSpec.DEFAULT_LOG_MAX_SIZE,
                            null,
                            null,
                            fast ? p.startFifo() : null);
            org.junit.jupiter.api.Assertions.assertThrows(
                    dev.nana.NanaException.class,
                    () -> Shim.launch(p.init(), shim, Duration.ofSeconds(30)));
            assertEquals(
                    "137",
                    Files.readString(p.init().exitStatusFile()).strip(),
                    "the shim recorded how the process ended; the folder holds "
                            + Arrays.toString(p.init().dir().toFile().list()));
            fx.launcher.abort(p);
        } finally {
            StateDir.deleteTree(dir);
        }
    }

    /**
     * A supervisor on the fixture's state directory, starting through the FIFO or through the
     * runtime.
     */
    private static LocalSupervisor supervisor(Fixture fx, String runtime, boolean fast) {
        return LocalSupervisor.builder()
                .stateDir(fx.stateDir)
                .defaultRuntime(runtime)
                .fastStart(fast)
                .build();
    }

    private static String exe(int pid) throws Exception {
        return Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "exe")).toString();
    }

    private static String commandLine(long pid) throws Exception {
        return new String(
                        Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                        StandardCharsets.UTF_8)
                .replace('\0', ' ');
    }
}
