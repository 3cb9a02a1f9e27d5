package dev.nana.supervisor.shim;

import dev.nana.DeadlineExceededException;
import dev.nana.FailedPreconditionException;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;

/**
 * A running nana-shim: its process folder and the read end of its exit FIFO. A shim this JVM
 * spawned also has its sync pipe and is this JVM's child, reaped by pid (never -1); a shim found
 * again by restore ({@link #attach}) has neither. Closing the handle leaves the shim and its
 * container running.
 */
public final class ShimHandle implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(5);

    private final ProcessDir dir;
    private final String id;
    private final int shimPid;
    private final Fd exitFd;
    private final SyncChannel sync; // null for an attached shim
    private int pid = -1;
    private boolean reaped;

    ShimHandle(ProcessDir dir, String id, int shimPid, Fd exitFd, SyncChannel sync) {
        this.dir = dir;
        this.id = id;
        this.shimPid = shimPid;
        this.exitFd = exitFd;
        this.sync = sync;
    }

    /**
     * Finds a shim again (after a supervisor restart): opens its exit FIFO, then checks that it
     * still lives, in that order — a shim that dies after the open gives HUP, one that died before
     * is seen dead here. Empty when it is gone.
     */
    public static Optional<ShimHandle> attach(ProcessDir dir, String id) throws OsException {
        Optional<long[]> shim = dir.shim();
        if (shim.isEmpty()) return Optional.empty();
        Fd exit = LibNana.fifoOpenRead(dir.exitFifo());
        // A shim that wrote exitStatus is exiting: it may have closed the FIFO before this open
        // (so no HUP would ever come) while /proc still shows it alive. It is done: read it as
        // gone.
        if (!dir.shimAlive() || Files.exists(dir.exitStatusFile())) {
            exit.close();
            return Optional.empty();
        }
        ShimHandle h = new ShimHandle(dir, id, (int) shim.get()[0], exit, null);
        h.pid = dir.pid().orElse(-1);
        h.reaped = true; // not our child: init reaps it
        return Optional.of(h);
    }

    public ProcessDir dir() {
        return dir;
    }

    public int shimPid() {
        return shimPid;
    }

    /** The container process's pid (once created; -1 before). */
    public int pid() {
        return pid;
    }

    /** The exit FIFO's read end: HUP when the shim is gone. Owned by this handle. */
    public Fd exitFd() {
        return exitFd;
    }

    void awaitCreated(Duration timeout) {
        String line = expect(ShimProtocol.SYNC_CREATED + " ", timeout);
        pid = Integer.parseInt(line.substring(ShimProtocol.SYNC_CREATED.length() + 1).strip());
    }

    void awaitStarted(Duration timeout) {
        expect(ShimProtocol.SYNC_STARTED, timeout);
    }

    /** Asks the shim to run {@code <runtime> start} and waits until it has, or failed. */
    public void start(Duration timeout) {
        try (Fd control = LibNana.fifoOpenReadWrite(dir.controlFifo())) {
            LibNana.writeFully(control, ShimProtocol.start());
        } catch (OsException e) {
            throw new FailedPreconditionException("start \"" + id + "\": " + e.getMessage(), e);
        }
        if (sync != null) {
            awaitStarted(timeout);
            return;
        }
        // an attached shim has no sync pipe: watch for "started", or its death
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!Files.exists(dir.startedFile())) {
                if ((LibNana.poll(exitFd, LibNana.POLLIN, (int) POLL.toMillis()) & LibNana.POLLHUP)
                        != 0) {
                    throw new FailedPreconditionException(
                            "start \""
                                    + id
                                    + "\": "
                                    + dir.lastError()
                                            .orElse("nana-shim exited; see " + dir.runtimeLog()));
                }
                if (System.nanoTime() > deadline) {
                    throw new DeadlineExceededException(
                            "start \""
                                    + id
                                    + "\": not started within "
                                    + timeout.toMillis()
                                    + " ms: is the runtime hanging?");
                }
            }
        } catch (OsException e) {
            throw new FailedPreconditionException("start \"" + id + "\": " + e.getMessage(), e);
        }
    }

    private String expect(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String line;
        try {
            line = sync.readLine(deadline);
        } catch (SyncChannel.SyncTimeoutException e) {
            abandon();
            // the failed operation removes the process folder, log and all: name no log
            throw new DeadlineExceededException(
                    "\""
                            + id
                            + "\": nana-shim did not report \""
                            + prefix.strip()
                            + "\" within "
                            + timeout.toMillis()
                            + " ms and was killed with what it started: is the runtime hanging?");
        } catch (OsException e) {
            abandon();
            throw new FailedPreconditionException(
                    "\"" + id + "\": read from nana-shim: " + e.getMessage(), e);
        }
        if (line != null && line.startsWith(prefix)) return line;
        String error = ShimProtocol.SYNC_ERROR + " ";
        String fromShim =
                line != null && line.startsWith(error) ? line.substring(error.length()) : null;
        int code = reap();
        throw Shim.failure(dir, id, fromShim, code);
    }

    /**
     * Waits up to timeout for the shim to exit (HUP on the exit FIFO), then reads how the process
     * ended. Empty when it still runs.
     */
    public Optional<ShimExit> awaitExit(Duration timeout) {
        try {
            int revents =
                    LibNana.poll(
                            exitFd,
                            LibNana.POLLIN,
                            (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE));
            if ((revents & LibNana.POLLHUP) == 0) return Optional.empty();
        } catch (OsException e) {
            throw new FailedPreconditionException("wait for \"" + id + "\": " + e.getMessage(), e);
        }
        reapWhenGone();
        close();
        return Optional.of(ShimExit.of(dir));
    }

    /**
     * After HUP on the exit FIFO: reaps the shim if it is this JVM's child, without waiting for it.
     * A shim closes its exit FIFO once it has told the exit, then may live on while an attached
     * reader takes the rest of the output; it is reaped once it goes.
     */
    public void reapWhenGone() {
        if (reaped) return;
        reaped = true;
        LateReaper.reap(shimPid);
    }

    /** Kills the shim if it still runs and reaps it: for a launch that failed half-way. */
    void abandon() {
        try {
            // the shim's whole session: the shim and a runtime call it may be stuck in
            if (!reaped) LibNana.killGroup(shimPid, 9);
        } catch (OsException e) {
            // already gone
        }
        reap();
        close();
    }

    /**
     * Reaps the shim if it is this JVM's child (blocking: call it once HUP was seen, when the shim
     * is exiting); returns its exit code, or -1 when there is nothing to reap.
     */
    public int reap() {
        if (reaped) return -1;
        reaped = true;
        try {
            return LibNana.waitExitCode(shimPid, false);
        } catch (OsException e) {
            return -1; // not our child any more
        }
    }

    @Override
    public void close() {
        exitFd.close();
        if (sync != null) sync.close();
    }
}
