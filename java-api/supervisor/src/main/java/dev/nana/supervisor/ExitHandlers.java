package dev.nana.supervisor;

import dev.nana.ContainerStatus;
import dev.nana.EventType;
import dev.nana.ExitStatus;
import dev.nana.supervisor.shim.ShimExit;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;

/**
 * Exits and OOM kills, live or found by restore: a shim's exit FIFO hangs up, its exit is read from
 * the folder on a worker, and the loop tells it. An exec's exit is told before its container's (its
 * execs die with the init, one pid namespace).
 */
final class ExitHandlers {
    private final Core core;
    private final DeleteHandlers deletes;

    ExitHandlers(Core core, DeleteHandlers deletes) {
        this.core = core;
        this.deletes = deletes;
    }

    /** HUP on a shim's exit FIFO: the shim is gone; its exit is read off the loop. */
    void shimGone(Task.ShimGone t) {
        LoopContainer c = core.table.get(t.id());
        Proc p = c == null ? null : c.procs.get(t.process());
        if (p == null || p.token != t.token()) return;
        p.token = -1;
        core.workers.execute(
                () -> {
                    if (p.shim != null) p.shim.reapWhenGone();
                    core.post(new Task.ExitRead(c.id(), p.id, ShimExit.of(p.dir)));
                });
    }

    void exitRead(Task.ExitRead t) {
        LoopContainer c = core.table.get(t.id());
        Proc p = c == null ? null : c.procs.get(t.process());
        if (p == null || p.exit != null) return;
        if (!p.isInit()) {
            recordExit(c, p, t.exit());
            return;
        }
        c.pendingInitExit = t.exit();
        if (!c.execsLive()) {
            finishInitExit(c);
            return;
        }
        // its execs die with it (one pid namespace) and tell first; give them two seconds
        core.workers.execute(
                () -> {
                    try {
                        Thread.sleep(2000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    core.post(new Task.FlushInitExit(c.id()));
                });
    }

    /** The init's exit, held back for its execs' exits, is due now regardless. */
    void flushInitExit(Task.FlushInitExit t) {
        LoopContainer c = core.table.get(t.id());
        if (c != null && c.pendingInitExit != null) finishInitExit(c);
    }

    private void finishInitExit(LoopContainer c) {
        ShimExit exit = c.pendingInitExit;
        c.pendingInitExit = null;
        recordExit(c, c.init, exit);
        deletes.exited(c);
    }

    /**
     * Publishes, in order, whatever the exit reveals that was not yet told (for the init: its
     * start, its OOM kills; then the exit), and answers the process's waiters. An exec's exit may
     * be the last one its container's held-back exit waited for.
     */
    private void recordExit(LoopContainer c, Proc p, ShimExit exit) {
        if (p.isInit()) {
            if (!p.reported.start() && Files.exists(p.dir.startedFile()))
                core.publish(c, p, EventType.START, null, null);
            core.reconcileOom(c, exit.oomKills());
            c.status = ContainerStatus.STOPPED;
        }
        p.exit =
                new ExitStatus(
                        exit.code(), exit.exitedAt(), p.isInit() && c.oomKills > 0, exit.derived());
        if (!p.reported.exit()) core.publish(c, p, EventType.EXIT, exit.code(), null);
        if (p.shim != null) p.shim.close();
        for (CompletableFuture<ExitStatus> w : p.waiters) core.complete(w, p.exit);
        p.waiters.clear();
        if (!p.isInit() && c.pendingInitExit != null && !c.execsLive()) finishInitExit(c);
    }

    void waitExit(Task.WaitExit t) {
        LoopContainer c = core.find(t.id(), t.reply());
        if (c == null) return;
        if (c.status == ContainerStatus.STOPPED) core.complete(t.reply(), c.init.exit);
        else c.init.waiters.add(t.reply());
    }

    /** The oom file changed: its count is read off the loop. */
    void oomNoticed(Task.OomNoticed t) {
        LoopContainer c = core.table.get(t.id());
        if (c == null) return;
        core.workers.execute(
                () -> core.post(new Task.OomRead(c.id(), t.process(), c.init.dir.oomKills())));
    }

    void oomRead(Task.OomRead t) {
        LoopContainer c = core.table.get(t.id());
        if (c != null) core.reconcileOom(c, t.kills());
    }
}
