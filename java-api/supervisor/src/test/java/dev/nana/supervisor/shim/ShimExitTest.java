package dev.nana.supervisor.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.supervisor.os.LibNana;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What nana reports when a shim dies with or without writing exitStatus. */
class ShimExitTest {
    @TempDir Path tmp;

    @Test
    void readsWhatTheShimRecorded() throws Exception {
        ProcessDir d = new ProcessDir(tmp);
        Files.writeString(d.exitStatusFile(), "3\n");
        Files.writeString(d.oomFile(), "{\"oomKill\":1}\n{\"oomKill\":2}\n");
        java.time.Instant written = java.time.Instant.parse("2026-01-02T03:04:05.123456Z");
        Files.setLastModifiedTime(
                d.exitStatusFile(), java.nio.file.attribute.FileTime.from(written));
        assertEquals(
                new ShimExit(3, false, 2, written),
                ShimExit.of(d),
                "exited when the shim recorded it, not when it is read");
    }

    @Test
    void derives255WhenTheProcessIsGone() throws Exception {
        ProcessDir d = new ProcessDir(tmp);
        ShimExit unknown = ShimExit.of(d);
        assertEquals(255, unknown.code(), "nothing recorded at all");
        assertTrue(unknown.derived());
        Files.writeString(d.pidFile(), "1073741808");
        Files.writeString(d.startTimeFile(), "1");
        assertEquals(255, ShimExit.of(d).code());
    }

    @Test
    void derives255WhenThePidWasReused() throws Exception {
        ProcessDir d = new ProcessDir(tmp);
        int self = (int) ProcessHandle.current().pid();
        Files.writeString(d.pidFile(), Integer.toString(self));
        Files.writeString(d.startTimeFile(), Long.toString(LibNana.procStartTime(self) + 1));
        assertEquals(
                255, ShimExit.of(d).code(), "a different start time is someone else: never killed");
    }

    @Test
    void killsAnOrphanThatOutlivedItsShimAndReports137() throws Exception {
        int pid =
                LibNana.spawn("/bin/sleep", List.of("/bin/sleep", "30"), null, null, new int[0], 0);
        ProcessDir d = new ProcessDir(tmp);
        Files.writeString(d.pidFile(), Integer.toString(pid));
        Files.writeString(d.startTimeFile(), Long.toString(LibNana.procStartTime(pid)));
        ShimExit s = ShimExit.of(d);
        assertEquals(137, s.code());
        assertTrue(s.derived());
        assertEquals(137, LibNana.waitExitCode(pid, false), "it really was SIGKILLed");
        assertFalse(d.exitStatus().isPresent());
    }
}
