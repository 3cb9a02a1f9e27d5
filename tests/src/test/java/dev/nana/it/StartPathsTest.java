package dev.nana.it;

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
import dev.nana.supervisor.LocalSupervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both ways a container starts, with real runc and crun: through the runtime's exec FIFO
 * (the shim does what {@code runtime start} does: the fast path, the default) and through
 * {@code runtime start} (fastStart off). Either way the program runs only once started, an
 * OOM kill at its first instruction is caught, and exit codes and events are the same.
 */
class StartPathsTest {
    @ParameterizedTest(name = "{0}, fast start {1}")
    @CsvSource({"runc, true", "runc, false", "crun, true", "crun, false"})
    void theProgramRunsOnlyOnceStartedAndEndsTheSameWay(String runtime, boolean fast) throws Exception {
        try (Fixture fx = new Fixture(runtime);
                LocalSupervisor nana = LocalSupervisor.builder().stateDir(fx.stateDir).defaultRuntime(runtime)
                        .fastStart(fast).build()) {
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Subscription sub = nana.subscribe(EventFilter.ALL, null, events::add)) {
                String id = fx.id("paths");
                ContainerInfo created = nana.create(fx.spec(id, fx.bundle("sh", "-c", "sleep 0.3; exit 3")).build());
                assertEquals(ContainerStatus.CREATED, created.status());
                Path init = fx.stateDir.resolve(id).resolve("init");
                String shimArgs = commandLine(Long.parseLong(Files.readString(init.resolve("shim")).split(" ")[0]));
                assertEquals(fast, shimArgs.contains("--start-fifo-"), "the shim's start path: " + shimArgs);
                // created: the runtime holds the process; the program (busybox sh) has not been exec'd
                Thread.sleep(200);
                assertFalse(exe(created.pid()).contains("busybox"), "before start it is the runtime's, not the program: "
                        + exe(created.pid()));
                nana.start(id);
                // crun's start (its own or the shim's) hands over the byte and returns; the exec follows at once
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!exe(created.pid()).contains("busybox") && System.nanoTime() < until) Thread.sleep(5);
                assertTrue(exe(created.pid()).contains("busybox"), "started, the program runs: " + exe(created.pid()));
                ExitStatus exit = nana.waitForExit(id).get(30, TimeUnit.SECONDS);
                assertEquals(3, exit.code());
                assertFalse(exit.derived());

                String oom = fx.id("oom");
                nana.run(fx.spec(oom, fx.bundle(List.of("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"),
                        c -> c.with("linux").with("resources").with("memory").put("limit", 16L << 20))).build());
                ExitStatus killed = nana.waitForExit(oom).get(30, TimeUnit.SECONDS);
                assertEquals(137, killed.code());
                assertTrue(killed.oomKilled(), "the OOM kill at the first instruction is seen");

                nana.delete(id, false);
                nana.delete(oom, false);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (events.stream().filter(e -> e.type() == EventType.DELETE).count() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(List.of(EventType.CREATE, EventType.START, EventType.EXIT, EventType.DELETE),
                        events.stream().filter(e -> e.id().equals(id)).map(Event::type).toList());
                assertEquals(List.of(EventType.CREATE, EventType.START, EventType.OOM, EventType.EXIT, EventType.DELETE),
                        events.stream().filter(e -> e.id().equals(oom)).map(Event::type).toList());
                assertEquals(Integer.valueOf(3), events.stream().filter(e -> e.id().equals(id) && e.type() == EventType.EXIT)
                        .findFirst().orElseThrow().exitCode());
            }
        }
    }

    private static String exe(int pid) throws Exception {
        return Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "exe")).toString();
    }

    private static String commandLine(long pid) throws Exception {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).replace('\0', ' ');
    }
}
