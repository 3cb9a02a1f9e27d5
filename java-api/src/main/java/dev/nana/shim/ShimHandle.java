package dev.nana.shim;

import dev.nana.FailedPreconditionException;
import dev.nana.os.Fd;
import dev.nana.os.LibNana;
import dev.nana.os.OsException;
import java.time.Duration;
import java.util.Optional;

/**
 * A shim this JVM spawned: its process folder, the exit FIFO's read end and the sync
 * pipe. The JVM reaps only this one pid (never -1). Closing the handle leaves the shim
 * and its container running.
 */
public final class ShimHandle implements AutoCloseable {
    private final ProcessDir dir;
    private final String id;
    private final int shimPid;
    private final Fd exitFd;
    private final SyncChannel sync;
    private int pid = -1;
    private boolean reaped;

    ShimHandle(ProcessDir dir, String id, int shimPid, Fd exitFd, SyncChannel sync) {
        this.dir = dir;
        this.id = id;
        this.shimPid = shimPid;
        this.exitFd = exitFd;
        this.sync = sync;
    }

    public ProcessDir dir() {
        return dir;
    }

    public int shimPid() {
        return shimPid;
    }

    /** The container process's pid (valid once created). */
    public int pid() {
        return pid;
    }

    void awaitCreated(Duration timeout) {
        String line = expect("created ", timeout);
        pid = Integer.parseInt(line.substring("created ".length()).strip());
    }

    void awaitStarted(Duration timeout) {
        expect("started", timeout);
    }

    /** Asks the shim to run {@code <runtime> start} and waits until it has. */
    public void start(Duration timeout) {
        try (Fd control = LibNana.fifoOpenReadWrite(dir.controlFifo())) {
            LibNana.writeFully(control, "start\n");
        } catch (OsException e) {
            throw new FailedPreconditionException("start \"" + id + "\": " + e.getMessage(), e);
        }
        awaitStarted(timeout);
    }

    private String expect(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String line;
        try {
            line = sync.readLine(deadline);
        } catch (SyncChannel.SyncTimeoutException e) {
            abandon();
            throw new FailedPreconditionException("\"" + id + "\": nana-shim did not report \"" + prefix.strip()
                    + "\" within " + timeout.toMillis() + " ms (is the runtime hanging?); see " + dir.runtimeLog());
        } catch (OsException e) {
            abandon();
            throw new FailedPreconditionException("\"" + id + "\": read from nana-shim: " + e.getMessage(), e);
        }
        if (line != null && line.startsWith(prefix)) return line;
        String fromShim = line != null && line.startsWith("error ") ? line.substring("error ".length()) : null;
        int code = reap(true);
        throw Shim.failure(dir, id, fromShim, code);
    }

    /**
     * Waits up to timeout for the shim to exit (HUP on the exit FIFO), then reads how the
     * process ended. Empty when it still runs.
     */
    public Optional<ExitStatus> awaitExit(Duration timeout) {
        try {
            int revents = LibNana.poll(exitFd, LibNana.POLLIN, (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE));
            if ((revents & LibNana.POLLHUP) == 0) return Optional.empty();
        } catch (OsException e) {
            throw new FailedPreconditionException("wait for \"" + id + "\": " + e.getMessage(), e);
        }
        reap(true);
        close();
        return Optional.of(ExitStatus.of(dir));
    }

    /** Kills the shim if it still runs and reaps it: for a launch that failed half-way. */
    void abandon() {
        try {
            if (!reaped) LibNana.kill(shimPid, 9);
        } catch (OsException e) {
            // already gone
        }
        reap(true);
        close();
    }

    /** Reaps the shim; returns its exit code, or -1 when it could not be had. */
    private int reap(boolean block) {
        if (reaped) return -1;
        try {
            int code = LibNana.waitExitCode(shimPid, !block);
            reaped = code >= 0;
            return code;
        } catch (OsException e) {
            reaped = true; // not our child any more
            return -1;
        }
    }

    @Override
    public void close() {
        exitFd.close();
        sync.close();
    }
}
