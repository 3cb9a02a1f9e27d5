package dev.nana.supervisor.shim;

import dev.nana.FailedPreconditionException;
import dev.nana.UnavailableException;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.NativeParts;
import dev.nana.supervisor.os.OsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Starts nana-shim for one process and waits until the process exists (created, and started when
 * asked), or fails with the shim's own error message.
 *
 * <p>The exit FIFO's read end is opened before the shim is spawned: whatever happens next, its HUP
 * tells that the shim is gone. The shim reports its steps on a sync pipe (its fd 3): {@code created
 * <pid>}, {@code started}, or {@code error <message>}.
 */
public final class Shim {
    /** The sync pipe is the shim's fd 3 (0-2 are /dev/null). */
    private static final int SYNC_FD = 3;

    private Shim() {}

    /** The nana-shim executable: see {@link NativeParts} for where it comes from. */
    public static Path binary() {
        List<Path> candidates = NativeParts.shimCandidates();
        for (Path p : candidates) if (Files.isExecutable(p)) return p;
        throw new UnavailableException(
                "nana-shim not found"
                        + (candidates.isEmpty() ? "" : " at " + candidates)
                        + ": add the dependency dev.nana:nana-native (classifier "
                        + NativeParts.PLATFORM
                        + "), or point -Dnana.shim=/path/to/nana-shim at one (scripts/build builds"
                        + " it)");
    }

    /**
     * Spawns the shim in dir (which must exist with its FIFOs: {@link ProcessDir#create()}) and
     * returns once the process is created (and started, with startNow or for an exec).
     */
    public static ShimHandle launch(ProcessDir dir, ShimSpec spec, Duration timeout) {
        Path shim = binary();
        Fd exitFd = null;
        Fd syncRead = null;
        int shimPid;
        try {
            exitFd = LibNana.fifoOpenRead(dir.exitFifo());
            Fd[] sync = LibNana.pipe();
            syncRead = sync[0];
            try (Fd syncWrite = sync[1]) {
                shimPid =
                        LibNana.spawn(
                                shim.toString(),
                                spec.argv(shim, SYNC_FD),
                                null,
                                dir.dir(),
                                new int[] {-1, -1, -1, syncWrite.get()},
                                LibNana.SPAWN_SETSID);
            }
        } catch (OsException e) {
            closeAll(exitFd, syncRead);
            throw new UnavailableException(
                    "start nana-shim for \"" + spec.id() + "\": " + e.getMessage(), e);
        }
        ShimHandle handle =
                new ShimHandle(dir, spec.id(), shimPid, exitFd, new SyncChannel(syncRead));
        try {
            handle.awaitCreated(timeout);
            if (spec.startNow() || spec.execProcess() != null) handle.awaitStarted(timeout);
            return handle;
        } catch (RuntimeException e) {
            handle.abandon();
            throw e;
        }
    }

    private static void closeAll(Fd... fds) {
        for (Fd fd : fds) if (fd != null) fd.close();
    }

    /** The error a shim gave, or what its log and exit code say when it gave none. */
    static FailedPreconditionException failure(
            ProcessDir dir, String id, String fromShim, int shimExit) {
        if (fromShim != null)
            return new FailedPreconditionException(RuntimeErrors.explain(fromShim));
        String logged = dir.lastError().orElse(null);
        return new FailedPreconditionException(
                logged != null
                        ? logged
                        : "nana-shim for \""
                                + id
                                + "\" exited with status "
                                + shimExit
                                + " before reporting; see "
                                + dir.runtimeLog());
    }
}
