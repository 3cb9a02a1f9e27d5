package dev.nana.supervisor.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nana.supervisor.runtime.OciRuntime;
import dev.nana.supervisor.runtime.StartFifo;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShimSpecTest {
    private static final OciRuntime CRUN = new OciRuntime("crun", Path.of("/usr/bin/crun"), true);

    @Test
    void buildsTheShimCommandLine() {
        ShimSpec s =
                new ShimSpec(
                        "web",
                        Path.of("/run/nana/web/bundle"),
                        null,
                        CRUN,
                        List.of("--root", "/r"),
                        null,
                        Path.of("/f/out"),
                        null,
                        true,
                        true,
                        1024,
                        null,
                        null,
                        new StartFifo("--start-fifo-write", Path.of("/r/web/exec.fifo")));
        assertEquals(
                List.of(
                        "/bin/nana-shim",
                        "--id",
                        "web",
                        "--runtime",
                        "/usr/bin/crun",
                        "--bundle",
                        "/run/nana/web/bundle",
                        "--runtime-arg",
                        "--root",
                        "--runtime-arg",
                        "/r",
                        "--stdout",
                        "/f/out",
                        "--terminal",
                        "--start-now",
                        "--unshare-cgroup2",
                        "--start-fifo-write",
                        "/r/web/exec.fifo",
                        "--log-max-size",
                        "1024",
                        "--sync-fd",
                        "3"),
                s.argv(Path.of("/bin/nana-shim"), 3));
    }

    @Test
    void restoresFromAnImage() {
        ShimSpec s =
                new ShimSpec(
                        "web",
                        Path.of("/b"),
                        null,
                        CRUN,
                        List.of("--criu", "/opt/criu"),
                        null,
                        null,
                        null,
                        false,
                        true,
                        1,
                        null,
                        Path.of("/img"),
                        null);
        assertEquals(
                List.of(
                        "/bin/nana-shim",
                        "--id",
                        "web",
                        "--runtime",
                        "/usr/bin/crun",
                        "--bundle",
                        "/b",
                        "--restore",
                        "/img",
                        "--runtime-arg",
                        "--criu",
                        "--runtime-arg",
                        "/opt/criu",
                        "--start-now",
                        "--unshare-cgroup2",
                        "--log-max-size",
                        "1",
                        "--sync-fd",
                        "3"),
                s.argv(Path.of("/bin/nana-shim"), 3));
    }

    @Test
    void takesExactlyOneOfBundleAndExec() {
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new ShimSpec(
                                "x", null, null, CRUN, List.of(), null, null, null, false, false, 1,
                                null, null, null));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new ShimSpec(
                                "x",
                                Path.of("/b"),
                                Path.of("/p"),
                                CRUN,
                                List.of(),
                                null,
                                null,
                                null,
                                false,
                                false,
                                1,
                                null,
                                null,
                                null));
    }

    @Test
    void startsByTheFifoOnlyACreatedContainer() {
        StartFifo fifo = new StartFifo("--start-fifo-read", Path.of("/run/runc/x/exec.fifo"));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new ShimSpec(
                                "x",
                                null,
                                Path.of("/p"),
                                CRUN,
                                List.of(),
                                null,
                                null,
                                null,
                                false,
                                false,
                                1,
                                null,
                                null,
                                fifo));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new ShimSpec(
                                "x",
                                Path.of("/b"),
                                null,
                                CRUN,
                                List.of(),
                                null,
                                null,
                                null,
                                false,
                                true,
                                1,
                                null,
                                Path.of("/img"),
                                fifo));
    }
}
