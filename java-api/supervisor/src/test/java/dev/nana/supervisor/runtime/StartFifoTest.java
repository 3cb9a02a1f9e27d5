package dev.nana.supervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.oci.Spec;
import dev.nana.oci.SpecOpts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StartFifoTest {
    private static final OciRuntime RUNC = new OciRuntime("runc", Path.of("/usr/sbin/runc"), false);
    private static final OciRuntime CRUN = new OciRuntime("crun", Path.of("/usr/bin/crun"), true);

    private static Spec config() {
        return SpecOpts.build(SpecOpts.withProcessArgs(List.of("sh")));
    }

    private static Spec config(String hooks) throws IOException {
        return Spec.read(
                ("{\"process\":{\"args\":[\"sh\"]},\"hooks\":" + hooks + "}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void runcIsStartedByReadingItsFifoAndCrunByWritingIt() {
        assertEquals(
                Optional.of(new StartFifo("--start-fifo-read", Path.of("/run/runc/web/exec.fifo"))),
                StartFifo.of(RUNC, List.of(), "web", config()));
        assertEquals(
                Optional.of(
                        new StartFifo("--start-fifo-write", Path.of("/run/crun/web/exec.fifo"))),
                StartFifo.of(CRUN, List.of(), "web", config()));
    }

    @Test
    void followsTheRuntimesRoot() {
        assertEquals(
                Path.of("/var/r/web/exec.fifo"),
                StartFifo.of(RUNC, List.of("--root", "/var/r"), "web", config()).get().path());
        assertEquals(
                Path.of("/b/web/exec.fifo"),
                StartFifo.of(CRUN, List.of("--root=/a", "--debug", "--root", "/b"), "web", config())
                        .get()
                        .path());
        assertTrue(
                StartFifo.of(RUNC, List.of("--root", "relative"), "web", config()).isEmpty(),
                "a relative root is the runtime's business");
    }

    @Test
    void anyOtherRuntimeOrPoststartHooksStartThroughTheRuntime() throws IOException {
        OciRuntime other = new OciRuntime("/opt/youki", Path.of("/opt/youki"), false);
        assertTrue(StartFifo.of(other, List.of(), "web", config()).isEmpty());
        Spec hooked = config("{\"poststart\":[{\"path\":\"/bin/true\"}]}");
        assertTrue(StartFifo.of(CRUN, List.of(), "web", hooked).isEmpty());
        assertTrue(StartFifo.of(RUNC, List.of(), "web", hooked).isEmpty());
        Spec emptyHooks = config("{\"poststart\":[]}");
        assertTrue(
                StartFifo.of(RUNC, List.of(), "web", emptyHooks).isPresent(),
                "an empty poststart list is no hook");
    }
}
