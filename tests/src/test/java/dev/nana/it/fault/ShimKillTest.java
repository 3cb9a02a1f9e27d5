package dev.nana.it.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.ContainerSpec;
import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventType;
import dev.nana.ExitStatus;
import dev.nana.Subscription;
import dev.nana.Supervisor;
import dev.nana.it.Fixture;
import dev.nana.it.Leaks;
import dev.nana.it.NanaCli;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A shim SIGKILLed: the kernel closes its exit FIFO, the daemon sees the HUP, kills the orphaned
 * container and reports its exit with a derived status (137), with runc and crun. The delay is
 * printed (a measurement, not a pass/fail criterion).
 */
@Tag("fault")
class ShimKillTest {
    @Test
    void aKilledShimsContainerIsReportedExitedWithADerivedStatus() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            try (Supervisor s = Supervisor.connect(nana.socket)) {
                for (String runtime : List.of("runc", "crun")) {
                    String id = "victim-" + runtime;
                    s.run(
                            ContainerSpec.builder(id, Fixture.demoBundle())
                                    .runtime(runtime)
                                    .args("sleep", "1000")
                                    .build());
                    CompletableFuture<Event> exit = new CompletableFuture<>();
                    try (Subscription _ =
                            s.subscribe(
                                    new EventFilter(Set.of(EventType.EXIT), Set.of(id)),
                                    null,
                                    exit::complete)) {
                        int shim =
                                Integer.parseInt(
                                        Files.readString(
                                                        nana.stateDir
                                                                .resolve(id)
                                                                .resolve("init")
                                                                .resolve("shim"))
                                                .strip()
                                                .split(" ", -1)[0]);
                        int container = s.state(id).pid();
                        long t0 = System.nanoTime();
                        new ProcessBuilder("kill", "-KILL", Integer.toString(shim))
                                .start()
                                .waitFor();
                        Event e = exit.get(30, TimeUnit.SECONDS);
                        long micros = (System.nanoTime() - t0) / 1000;
                        assertEquals(137, e.exitCode());
                        ExitStatus st = s.waitForExit(id).get(10, TimeUnit.SECONDS);
                        assertTrue(st.derived(), "the status is derived, not the shim's: " + st);
                        for (int i = 0;
                                i < 500
                                        && ProcessHandle.of(container)
                                                .map(ProcessHandle::isAlive)
                                                .orElse(false);
                                i++) {
                            Thread.sleep(10);
                        }
                        assertTrue(
                                ProcessHandle.of(container).map(p -> !p.isAlive()).orElse(true),
                                "the orphaned container is killed");
                        System.out.printf(
                                "shim SIGKILLed (%s): EXIT 137 (derived) reported after %.1f ms%n",
                                runtime, micros / 1000.0);
                    }
                    s.delete(id, false);
                }
                assertEquals(List.of(), Leaks.shims(nana.stateDir));
            }
        }
    }
}
