package dev.nana.supervisor;

import dev.nana.ContainerInfo;
import dev.nana.ExitStatus;
import dev.nana.supervisor.shim.ShimExit;
import dev.nana.supervisor.shim.ShimHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Everything that changes the container table is one of these, put on the event loop's queue:
 * requests from API callers, and results from workers and the monitor. The loop handles them one at
 * a time, in {@code EventLoop.handle}'s switch.
 */
sealed interface Task {
    // ---- requests (from API callers)

    /**
     * Create (and with start, start) a container from a resolved spec; or restore it from a CRIU
     * image.
     */
    record Create(
            Launcher.Resolved spec,
            boolean start,
            Path restoreImage,
            Path criu,
            CompletableFuture<ContainerInfo> reply)
            implements Task {
        Create(Launcher.Resolved spec, boolean start, CompletableFuture<ContainerInfo> reply) {
            this(spec, start, null, null, reply);
        }
    }

    record Checkpoint(
            String id,
            Path imagePath,
            boolean leaveRunning,
            Path criu,
            CompletableFuture<Void> reply)
            implements Task {}

    record Start(String id, CompletableFuture<ContainerInfo> reply) implements Task {}

    record Kill(String id, int signal, boolean all, CompletableFuture<Void> reply)
            implements Task {}

    record Update(String id, dev.nana.Resources resources, CompletableFuture<ContainerInfo> reply)
            implements Task {}

    record Exec(String id, dev.nana.ExecSpec spec, CompletableFuture<dev.nana.ExecInfo> reply)
            implements Task {}

    record ExecLaunched(
            String id, String execId, ShimHandle shim, CompletableFuture<dev.nana.ExecInfo> reply)
            implements Task {}

    record ExecFailed(
            String id,
            String execId,
            RuntimeException error,
            CompletableFuture<dev.nana.ExecInfo> reply)
            implements Task {}

    record WaitExec(String id, String execId, CompletableFuture<ExitStatus> reply)
            implements Task {}

    /** The container's init exit, held back for its execs' exits, is due now regardless. */
    record FlushInitExit(String id) implements Task {}

    /** Pause (freeze) or, with pause false, resume (thaw). */
    record Pause(String id, boolean pause, CompletableFuture<ContainerInfo> reply)
            implements Task {}

    /** lazy: answer once retired, the runtime's delete after (Supervisor#remove). */
    record Delete(String id, boolean force, boolean lazy, CompletableFuture<Void> reply)
            implements Task {}

    /**
     * A snapshot of one container (id) or of all (id null); with op, refused unless op may happen
     * to it now.
     */
    record Query(String id, Lifecycle.Op op, CompletableFuture<List<ContainerInfo>> reply)
            implements Task {}

    record WaitExit(String id, CompletableFuture<ExitStatus> reply) implements Task {}

    // ---- results (from workers)

    /** requestedAt: System.nanoTime() when the request arrived, for the start latency metric. */
    record Launched(
            Launcher.Prepared prepared,
            ShimHandle shim,
            boolean started,
            long requestedAt,
            CompletableFuture<ContainerInfo> reply)
            implements Task {}

    record LaunchFailed(String id, RuntimeException error, CompletableFuture<ContainerInfo> reply)
            implements Task {}

    record StartDone(
            String id,
            RuntimeException error,
            long requestedAt,
            CompletableFuture<ContainerInfo> reply)
            implements Task {}

    record UpdateDone(String id, CompletableFuture<ContainerInfo> reply) implements Task {}

    record PauseDone(
            String id,
            boolean pause,
            RuntimeException error,
            CompletableFuture<ContainerInfo> reply)
            implements Task {}

    /** The shim's exit was read from its folder (after its HUP, or by restore). */
    record ExitRead(String id, String process, ShimExit exit) implements Task {}

    /** The oom file's count, read after a change. */
    record OomRead(String id, String process, int kills) implements Task {}

    /** A stopped or created container's runtime state and folder are gone. */
    record Removed(
            String id,
            Path retired,
            boolean runtimeDeleted,
            RuntimeException error,
            CompletableFuture<Void> reply)
            implements Task {}

    // ---- from the monitor

    /** HUP on an exit FIFO: the shim is gone. */
    record ShimGone(String id, String process, long token) implements Task {}

    /** The oom file changed. */
    record OomNoticed(String id, String process) implements Task {}

    /** The shim wrote "started" (or a created container is checked for it). */
    record StartNoticed(String id, String process) implements Task {}

    // ---- from restore (posted before the loop starts, so before any request)

    /**
     * A container rebuilt from its folder; oomKills: its oom count on disk. Its exits follow as
     * ExitReads.
     */
    record Adopt(LoopContainer container, int oomKills) implements Task {}

    /** A delete cut after its commit point whose DELETE the journal lacks. */
    record Deleted(String id, String uid) implements Task {}

    // ---- lifecycle

    record Shutdown(CompletableFuture<Void> reply) implements Task {}
}
