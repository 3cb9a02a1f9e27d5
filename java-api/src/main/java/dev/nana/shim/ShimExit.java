package dev.nana.shim;

import dev.nana.os.LibNana;
import dev.nana.os.OsException;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * How a container process ended.
 *
 * @param code exit code, or 128 + signal
 * @param derived true when the shim died without writing exitStatus and nana derived the code
 * @param oomKills OOM kills the shim recorded in the process's memory cgroup
 */
public record ShimExit(int code, boolean derived, int oomKills) {
    /** The shim was killed and nana killed its orphaned process: as if by SIGKILL. */
    public static final int DERIVED_KILLED = 137;
    /** The shim died and its process was gone too (or its pid reused): unknown. */
    public static final int DERIVED_UNKNOWN = 255;

    /**
     * Reads what the shim recorded. If it recorded nothing (it died first), derives a status
     * without hanging: 137 after killing a process that outlived its shim, 255 when the
     * process is gone or its pid now belongs to someone else.
     */
    public static ShimExit of(ProcessDir dir) {
        OptionalInt code = dir.exitStatus();
        if (code.isPresent()) return new ShimExit(code.getAsInt(), false, dir.oomKills());
        return new ShimExit(killOrphan(dir) ? DERIVED_KILLED : DERIVED_UNKNOWN, true, dir.oomKills());
    }

    private static boolean killOrphan(ProcessDir dir) {
        OptionalInt pid = dir.pid();
        OptionalLong recorded = dir.startTime();
        if (pid.isEmpty() || recorded.isEmpty()) return false;
        try {
            if (LibNana.procStartTime(pid.getAsInt()) != recorded.getAsLong()) return false; // pid reused
            LibNana.kill(pid.getAsInt(), 9);
            return true;
        } catch (OsException e) {
            return false; // gone
        }
    }
}
