package dev.nana.supervisor.shim;

import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a container process ended.
 *
 * @param code exit code, or 128 + signal
 * @param derived true when the shim died without writing exitStatus and nana derived the code
 * @param oomKills OOM kills the shim recorded in the process's memory cgroup
 * @param exitedAt when the process ended: when the shim recorded it (its status file's time),
 *     however much later nana reads it; for a derived code, when nana derived it
 */
public record ShimExit(int code, boolean derived, int oomKills, Instant exitedAt) {
    private static final Logger log = LoggerFactory.getLogger(ShimExit.class);

    /** The shim was killed and nana killed its orphaned process: as if by SIGKILL. */
    public static final int DERIVED_KILLED = 137;

    /** The shim died and its process was gone too (or its pid reused): unknown. */
    public static final int DERIVED_UNKNOWN = 255;

    /**
     * Reads what the shim recorded. If it recorded nothing (it died first), derives a status
     * without hanging: 137 after killing a process that outlived its shim, 255 when the process is
     * gone or its pid now belongs to someone else.
     */
    public static ShimExit of(ProcessDir dir) {
        OptionalInt code = dir.exitStatus();
        if (code.isPresent())
            return new ShimExit(code.getAsInt(), false, dir.oomKills(), recordedAt(dir));
        ShimExit derived =
                new ShimExit(
                        killOrphan(dir) ? DERIVED_KILLED : DERIVED_UNKNOWN,
                        true,
                        dir.oomKills(),
                        Instant.now());
        // a shim that dies without recording the status is a fault worth a line: say what the
        // folder held
        log.warn(
                "the shim of {} died without recording an exit status: derived {} (the folder holds {})",
                dir.dir(),
                derived.code(),
                contents(dir));
        return derived;
    }

    /** When the shim wrote the status (right after it reaped the process). */
    private static Instant recordedAt(ProcessDir dir) {
        try {
            return Files.getLastModifiedTime(dir.exitStatusFile()).toInstant();
        } catch (IOException e) {
            return Instant.now(); // read a moment ago: gone with its folder since
        }
    }

    private static String contents(ProcessDir dir) {
        try (Stream<Path> files = Files.list(dir.dir())) {
            return files.map(p -> p.getFileName().toString()).sorted().toList().toString();
        } catch (IOException e) {
            return "nothing readable: " + e.getMessage();
        }
    }

    private static boolean killOrphan(ProcessDir dir) {
        OptionalInt pid = dir.pid();
        OptionalLong recorded = dir.startTime();
        if (pid.isEmpty() || recorded.isEmpty()) return false;
        try {
            if (LibNana.procStartTime(pid.getAsInt()) != recorded.getAsLong())
                return false; // pid reused
            LibNana.kill(pid.getAsInt(), 9);
            return true;
        } catch (OsException e) {
            return false; // gone
        }
    }
}
