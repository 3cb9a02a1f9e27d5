package dev.nana.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventType;
import dev.nana.ExecSpec;
import dev.nana.ExitStatus;
import dev.nana.Resources;
import dev.nana.Stats;
import dev.nana.Stdio;
import dev.nana.grpc.v1.Status;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every record crosses nana.v1 and comes back the same; every enum value has its wire value. */
class ConvertTest {
    private static final Instant T = Instant.ofEpochSecond(1_795_950_000L, 123_456_789);

    @Test
    void aSpecCrossesWithEveryField() {
        ContainerSpec full =
                ContainerSpec.builder("web", Path.of("/b"))
                        .runtime("crun")
                        .runtimeArgs(List.of("--root", "/r"))
                        .labels(Map.of("app", "x"))
                        .stdio(new Stdio(Path.of("/i"), Path.of("/o"), Path.of("/e")))
                        .terminal(true)
                        .args("sleep", "1")
                        .env(List.of("A=1"))
                        .cwd("/tmp")
                        .memoryLimitBytes(64L << 20)
                        .hostNetwork()
                        .build();
        assertEquals(full, Convert.fromProto(Convert.toProto(full)));
        assertEquals(true, Convert.fromProto(Convert.toProto(full)).hostNetwork());
        ContainerSpec bare = ContainerSpec.builder("min", Path.of("/b")).build();
        assertEquals(
                bare,
                Convert.fromProto(Convert.toProto(bare)),
                "unset fields stay unset (no empty strings, no 0 limit)");
    }

    @Test
    void aContainerCrossesWithAndWithoutItsExit() {
        for (ExitStatus exit : new ExitStatus[] {null, new ExitStatus(137, T, true, true)}) {
            ContainerInfo c =
                    new ContainerInfo(
                            "web",
                            exit == null ? ContainerStatus.RUNNING : ContainerStatus.STOPPED,
                            42,
                            Path.of("/b"),
                            "runc",
                            Map.of("k", "v"),
                            T,
                            exit,
                            exit == null ? 0 : 2);
            assertEquals(c, Convert.fromProto(Convert.toProto(c)));
        }
    }

    @Test
    void everyStatusAndEventTypeHasItsOwnWireValue() {
        for (ContainerStatus s : ContainerStatus.values())
            assertEquals(s, Convert.fromProto(Convert.toProto(s)));
        for (EventType t : EventType.values())
            assertEquals(t, Convert.fromProto(Convert.toProto(t)));
        assertNull(
                Convert.fromProto(Status.STATUS_UNSPECIFIED),
                "an unknown status is no status, not a guess");
        assertNull(Convert.fromProto(dev.nana.grpc.v1.EventType.EVENT_TYPE_UNSPECIFIED));
    }

    @Test
    void eventsCarryTheirExitCodeOnlyOnExit() {
        Event exit = new Event(7, T, EventType.EXIT, "web", "init", 0);
        assertEquals(
                exit, Convert.fromProto(Convert.toProto(exit)), "exit code 0 is kept on an exit");
        Event start = new Event(8, T, EventType.START, "web", "init", null);
        assertEquals(start, Convert.fromProto(Convert.toProto(start)));
    }

    @Test
    void updatesKeepWhatIsUnsetUnset() {
        Resources some = new Resources(64L << 20, null, null, 50_000L, null, null, 20L);
        assertEquals(some, Convert.fromProto(Convert.toProto("web", some)));
        Resources all = new Resources(64L << 20, 32L << 20, 512L, -1L, 100_000L, "0-1", -1L);
        assertEquals(all, Convert.fromProto(Convert.toProto("web", all)));
    }

    @Test
    void statsExecsAndFiltersCross() {
        Stats s = new Stats("web", T, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertEquals(s, Convert.fromProto(Convert.toProto(s)));
        ExecSpec e =
                new ExecSpec(
                        "bg",
                        List.of("sh"),
                        List.of("A=1"),
                        "/",
                        "1000:1000",
                        true,
                        new Stdio(null, Path.of("/o"), null),
                        24,
                        80);
        assertEquals(e, Convert.fromProto(Convert.toProto("web", e)));
        ExecSpec bare =
                new ExecSpec(null, List.of("true"), List.of(), null, null, false, null, 0, 0);
        assertEquals(bare, Convert.fromProto(Convert.toProto("web", bare)));
        EventFilter f = new EventFilter(Set.of(EventType.EXIT, EventType.OOM), Set.of("web"));
        assertEquals(f, Convert.filter(Convert.toProto(f, T)));
        assertEquals(
                T,
                Convert.instant(Convert.toProto(f, T).getSince()),
                "since keeps its nanoseconds");
    }
}
