package dev.nana.it.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.ContainerSpec;
import dev.nana.EventFilter;
import dev.nana.EventType;
import dev.nana.ExitStatus;
import dev.nana.Subscription;
import dev.nana.Supervisor;
import dev.nana.it.FaultSize;
import dev.nana.it.Fixture;
import dev.nana.it.NanaCli;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An OOM at the very first instruction of the user program (dd allocates its buffer before anything
 * else) is reported every time, through the daemon, with runc and crun in turn: the shim registers
 * the OOM watch between the runtime's create and start, so there is no window in which the kill
 * could go unseen.
 */
@Tag("fault")
class RepeatedOomTest {
    @Test
    void anOomAtTheFirstInstructionIsReportedEveryTime() throws Exception {
        int repeats = FaultSize.of("oom.repeats", 10, 100);
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            Set<String> oomEvents = ConcurrentHashMap.newKeySet();
            try (Supervisor s = Supervisor.connect(nana.socket);
                    Subscription _ =
                            s.subscribe(
                                    new EventFilter(Set.of(EventType.OOM), Set.of()),
                                    null,
                                    e -> oomEvents.add(e.id()))) {
                for (int i = 0; i < repeats; i++) {
                    String id = "oom-" + i;
                    s.run(
                            ContainerSpec.builder(id, Fixture.demoBundle())
                                    .runtime(i % 2 == 0 ? "runc" : "crun")
                                    .memoryLimitBytes(16L << 20)
                                    .args("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
                                    .build());
                    ExitStatus st = s.waitForExit(id).get(60, TimeUnit.SECONDS);
                    assertEquals(137, st.code(), id);
                    assertTrue(st.oomKilled(), id + " is reported OOM-killed: " + st);
                    s.delete(id, false);
                }
                await().atMost(Duration.ofSeconds(20))
                        .untilAsserted(
                                () ->
                                        assertEquals(
                                                repeats,
                                                oomEvents.size(),
                                                "one OOM event per container"));
            }
            assertEquals(repeats, oomEvents.size(), "one OOM event per container");
            System.out.printf(
                    "repeated OOM: %d containers OOM-killed at their first instruction, %d reported, 0 missed%n",
                    repeats, oomEvents.size());
        }
    }
}
