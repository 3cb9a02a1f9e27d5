package dev.nana.supervisor;

import dev.nana.ContainerStatus;
import dev.nana.ExitStatus;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delete: a live container is killed first and removed once its exit is told; a stopped one is
 * retired (its folder renamed aside, its DELETE journaled), then its runtime state and folder go.
 */
final class DeleteHandlers {
    private static final Logger log = LoggerFactory.getLogger(DeleteHandlers.class);
    private final Core core;

    DeleteHandlers(Core core) {
        this.core = core;
    }

    void delete(Task.Delete t) {
        LoopContainer c = core.allowing(t.id(), Lifecycle.Op.DELETE, t.force(), t.reply());
        if (c == null) return;
        if (c.status == ContainerStatus.STOPPED) remove(c, t.lazy(), t.reply());
        else killThenRemove(c, t.lazy(), t.reply());
    }

    /**
     * Kills the container's processes; the exit this causes is published, then the container
     * removed.
     */
    private void killThenRemove(LoopContainer c, boolean lazy, CompletableFuture<Void> reply) {
        c.busy = Lifecycle.Op.DELETE;
        c.deleteAfterExit = reply;
        c.deleteAfterExitLazily = lazy;
        boolean frozen = c.status == ContainerStatus.PAUSED;
        core.workers.execute(
                () -> {
                    try {
                        c.runtime.kill(c.id(), c.record.runtimeArgs(), 9, true);
                        if (frozen)
                            c.runtime.pause(
                                    c.id(),
                                    c.record.runtimeArgs(),
                                    false); // a frozen process dies once thawed
                    } catch (RuntimeException e) {
                        log.debug(
                                "delete {}: kill: {} (it may have exited already)",
                                c.id(),
                                e.getMessage());
                    }
                });
    }

    /** The exit a delete's kill waited for is told: the removal follows. */
    void exited(LoopContainer c) {
        if (c.deleteAfterExit == null) return;
        CompletableFuture<Void> reply = c.deleteAfterExit;
        c.deleteAfterExit = null;
        remove(c, c.deleteAfterExitLazily, reply);
    }

    /**
     * Removes a container whose processes are gone. A delete waits for the runtime's and fails with
     * it; a lazy one (Supervisor#remove, run --rm) is answered once the folder is retired and
     * DELETE journaled, the runtime's delete after (Launcher#forget).
     */
    private void remove(LoopContainer c, boolean lazy, CompletableFuture<Void> reply) {
        c.busy = Lifecycle.Op.DELETE;
        core.workers.execute(
                () -> {
                    try {
                        // a container made from an image is never removed lazily: its root
                        // filesystem must be unmounted by the answer, for an image rm that follows
                        boolean now =
                                !lazy
                                        || Launcher.madeFromImage(
                                                core.launcher.state().container(c.id()));
                        if (now) c.runtime.delete(c.id(), c.record.runtimeArgs(), true);
                        Path retired = core.launcher.retire(c.id());
                        core.post(new Task.Removed(c.id(), retired, now, null, reply));
                    } catch (RuntimeException e) {
                        core.post(new Task.Removed(c.id(), null, false, e, reply));
                    }
                });
    }

    void removed(Task.Removed t) {
        LoopContainer c = core.table.get(t.id());
        if (c == null) return;
        c.busy = null;
        if (t.error() != null) {
            core.fail(t.reply(), t.error());
            return;
        }
        core.table.remove(c.id());
        if (c.init.shim != null) c.init.shim.close();
        core.publishDeleted(c.id(), c.record.uid());
        for (Proc p : c.procs.values())
            for (CompletableFuture<ExitStatus> w : p.waiters) core.fail(w, Core.notFound(c.id()));
        // journaled: now the folder may go (first, for a lazy remove, the runtime's state)
        if (!t.runtimeDeleted()) {
            core.launcher.forget(
                    c.id(), c.runtime, c.record.runtimeArgs(), t.retired(), core.workers);
            core.complete(t.reply(), null);
        } else if (Launcher.madeFromImage(t.retired())) {
            // answered once its root filesystem is unmounted and its folder gone
            core.workers.execute(
                    () -> {
                        Launcher.removeQuietly(t.retired());
                        core.complete(t.reply(), null);
                    });
        } else {
            core.workers.execute(() -> Launcher.removeQuietly(t.retired()));
            core.complete(t.reply(), null);
        }
    }
}
