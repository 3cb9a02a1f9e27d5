package dev.nana.supervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.InvalidArgumentException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciRuntimeTest {
    @TempDir Path bin;

    private Path fake(String name) throws IOException {
        Path p = bin.resolve(name);
        Files.writeString(p, "#!/bin/sh\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void whatARuntimeSaidIsItsErrorNotTheWarningsBeforeIt() {
        var runc =
                new dev.nana.supervisor.os.Command.Result(
                        1,
                        "",
                        """
                        time="2026-12-05T10:00:00Z" level=warning msg="Setting back cgroup configs failed due to error: failed to write \\"4096\\": device or resource busy, your state.json and actual configs might be inconsistent."
                        time="2026-12-05T10:00:00Z" level=error msg="unable to set memory limit to 4096 (current usage: 344064, peak usage: 1032192)"
                        """,
                        false);
        assertEquals(
                "unable to set memory limit to 4096 (current usage: 344064, peak usage: 1032192)",
                OciRuntime.said(runc));
        var warningOnly =
                new dev.nana.supervisor.os.Command.Result(
                        1, "", "time=\"x\" level=warning msg=\"say \\\"it\\\"\"\n", false);
        assertEquals("say \"it\"", OciRuntime.said(warningOnly), "unescaped");
        var crun =
                new dev.nana.supervisor.os.Command.Result(
                        1, "", "\ncrun: container `x` does not exist\nmore\n", false);
        assertEquals("crun: container `x` does not exist", OciRuntime.said(crun));
        assertEquals(
                "(nothing; killed by signal 9)",
                OciRuntime.said(new dev.nana.supervisor.os.Command.Result(137, "", " \n", false)));
    }

    @Test
    void findsNamesOnPathAndFlagsCrunOnHybridCgroups() throws IOException {
        fake("crun");
        fake("runc");
        OciRuntime crun = OciRuntime.resolve("crun", bin.toString(), CgroupLayout.HYBRID);
        assertEquals(bin.resolve("crun"), crun.binary());
        assertTrue(crun.unshareCgroup2());
        assertFalse(OciRuntime.resolve("crun", bin.toString(), CgroupLayout.V1).unshareCgroup2());
        assertFalse(OciRuntime.resolve("crun", bin.toString(), CgroupLayout.V2).unshareCgroup2());
        assertFalse(
                OciRuntime.resolve("runc", bin.toString(), CgroupLayout.HYBRID).unshareCgroup2());
    }

    @Test
    void acceptsAnAbsolutePathAndRefusesTheRest() throws IOException {
        Path mine = fake("my-runtime");
        assertEquals(mine, OciRuntime.resolve(mine.toString(), "", CgroupLayout.V1).binary());
        var unknown =
                assertThrows(
                        InvalidArgumentException.class,
                        () ->
                                OciRuntime.resolve(
                                        "no-such-runtime-xyz", bin.toString(), CgroupLayout.V1));
        assertTrue(unknown.getMessage().contains("unknown runtime \"no-such-runtime-xyz\""));
        assertThrows(
                InvalidArgumentException.class,
                () -> OciRuntime.resolve("rel/runc", "", CgroupLayout.V1));
        assertThrows(
                InvalidArgumentException.class,
                () -> OciRuntime.resolve(bin.resolve("nope").toString(), "", CgroupLayout.V1));
        Files.writeString(bin.resolve("plain"), "x");
        assertThrows(
                InvalidArgumentException.class,
                () -> OciRuntime.resolve(bin.resolve("plain").toString(), "", CgroupLayout.V1));
        assertThrows(
                InvalidArgumentException.class, () -> OciRuntime.resolve(" ", "", CgroupLayout.V1));
    }

    @Test
    void detectsTheCgroupLayoutFromMounts() {
        assertEquals(
                CgroupLayout.HYBRID,
                CgroupLayout.fromMounts(
                        List.of(
                                "tmpfs /sys/fs/cgroup tmpfs ro 0 0",
                                "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0",
                                "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0")));
        assertEquals(
                CgroupLayout.V2,
                CgroupLayout.fromMounts(List.of("cgroup2 /sys/fs/cgroup cgroup2 rw 0 0")));
        assertEquals(
                CgroupLayout.V1,
                CgroupLayout.fromMounts(List.of("cgroup /sys/fs/cgroup/memory cgroup rw 0 0")));
    }
}
