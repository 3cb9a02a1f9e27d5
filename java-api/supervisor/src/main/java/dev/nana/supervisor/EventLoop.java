package dev.nana.supervisor;

import dev.nana.ContainerInfo;
import dev.nana.ExitStatus;
import dev.nana.UnavailableException;
import dev.nana.supervisor.events.EventBus;
import dev.nana.supervisor.metrics.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns the container table. Every change arrives as a {@link Task} on a
 * lock-free queue (many producers, this single consumer) and is handled in {@link #handle}, one
 * switch over the sealed task type, by the handlers of its topic (create, exec, control, delete,
 * exit, restore). Nothing slow runs here: shim spawns and runtime calls go to the start pool or the
 * workers, file reads to the workers, and their results come back as tasks. Replies complete on the
 * callbacks executor, so no caller's code ever runs on this thread; a synchronous call's reply
 * ({@link Core.Awaited}), which has no code hanging on it, is completed here.
 */
final class EventLoop {
    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

    private final ConcurrentLinkedQueue<Task> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong handled = new AtomicLong();
    private final Core core;
    private final CreateHandlers creates;
    private final ExecHandlers execs;
    private final ControlHandlers controls;
    private final DeleteHandlers deletes;
    private final ExitHandlers exits;
    private final RestoreHandlers restores;
    private Runnable onDeath = () -> {};
    private Thread thread;
    private volatile boolean stopped;

    EventLoop(
            Launcher launcher,
            EventBus bus,
            ExecutorService starts,
            ExecutorService workers,
            ExecutorService persister,
            Executor callbacks,
            Duration timeout) {
        this.core =
                new Core(launcher, bus, starts, workers, persister, callbacks, timeout, this::post);
        this.creates = new CreateHandlers(core);
        this.execs = new ExecHandlers(core);
        this.controls = new ControlHandlers(core);
        this.deletes = new DeleteHandlers(core);
        this.exits = new ExitHandlers(core, deletes);
        this.restores = new RestoreHandlers(core);
    }

    void setMonitor(Monitor monitor) {
        core.monitor = monitor;
    }

    /** What to do if the loop thread dies of an Error (a daemon exits, to be restarted). */
    void onDeath(Runnable r) {
        this.onDeath = r;
    }

    void start() {
        // a daemon thread: a program that forgets close() still exits (its containers run on)
        thread = Thread.ofPlatform().name("nana-loop").daemon().start(this::run);
    }

    /**
     * Puts a task on the queue; safe from any thread, never blocks (tasks posted before start wait
     * for it).
     */
    void post(Task task) {
        queue.add(task);
        if (thread != null) LockSupport.unpark(thread);
    }

    /** Tasks waiting (for metrics). */
    int queueDepth() {
        return queue.size();
    }

    long handledCount() {
        return handled.get();
    }

    Metrics metrics() {
        return core.metrics;
    }

    void join() throws InterruptedException {
        thread.join();
    }

    private void run() {
        while (!stopped) {
            Task task = queue.poll();
            if (task == null) {
                LockSupport.park(this);
                continue;
            }
            try {
                handle(task);
            } catch (RuntimeException e) {
                log.error("event loop: {} failed", task.getClass().getSimpleName(), e);
            } catch (Error e) {
                // no thread owns the table any more: nothing this supervisor is asked would be
                // answered
                log.error(
                        "the event loop died handling {}: {}",
                        task.getClass().getSimpleName(),
                        e.toString(),
                        e);
                onDeath.run();
                throw e;
            }
            handled.incrementAndGet();
        }
    }

    private void handle(Task task) {
        switch (task) {
            case Task.Create t -> creates.create(t);
            case Task.Launched t -> creates.launched(t);
            case Task.LaunchFailed t -> creates.launchFailed(t);
            case Task.Start t -> creates.start(t);
            case Task.StartDone t -> creates.startDone(t);
            case Task.StartNoticed t -> creates.startNoticed(t);
            case Task.Exec t -> execs.exec(t);
            case Task.ExecLaunched t -> execs.launched(t);
            case Task.ExecFailed t -> execs.failed(t);
            case Task.WaitExec t -> execs.waitExec(t);
            case Task.Kill t -> controls.kill(t);
            case Task.Update t -> controls.update(t);
            case Task.UpdateDone t -> controls.updateDone(t);
            case Task.Pause t -> controls.pause(t);
            case Task.PauseDone t -> controls.pauseDone(t);
            case Task.Checkpoint t -> controls.checkpoint(t);
            case Task.Delete t -> deletes.delete(t);
            case Task.Removed t -> deletes.removed(t);
            case Task.ShimGone t -> exits.shimGone(t);
            case Task.ExitRead t -> exits.exitRead(t);
            case Task.FlushInitExit t -> exits.flushInitExit(t);
            case Task.WaitExit t -> exits.waitExit(t);
            case Task.OomNoticed t -> exits.oomNoticed(t);
            case Task.OomRead t -> exits.oomRead(t);
            case Task.Adopt t -> restores.adopt(t);
            case Task.Deleted t -> restores.deleted(t);
            case Task.Query t -> query(t);
            case Task.Shutdown t -> shutdown(t);
        }
    }

    private void query(Task.Query t) {
        if (t.id() == null) {
            List<ContainerInfo> all = new ArrayList<>();
            for (LoopContainer c : core.table.values()) all.add(c.info());
            all.sort(Comparator.comparing(ContainerInfo::id));
            core.complete(t.reply(), all);
            return;
        }
        LoopContainer c =
                t.op() == null
                        ? core.find(t.id(), t.reply())
                        : core.allowing(t.id(), t.op(), false, t.reply());
        if (c != null) core.complete(t.reply(), List.of(c.info()));
    }

    private void shutdown(Task.Shutdown t) {
        stopped = true;
        for (LoopContainer c : core.table.values()) {
            for (Proc p : c.procs.values()) {
                for (CompletableFuture<ExitStatus> w : p.waiters) {
                    core.fail(
                            w,
                            new UnavailableException(
                                    "the supervisor was closed before \"" + c.id() + "\" exited"));
                }
            }
        }
        core.complete(t.reply(), null);
    }

    /**
     * Lets go of every shim's descriptors, once the loop has stopped (join) and the monitor too:
     * closed while the monitor still waits on them, a shim's exit FIFO could hang up under it (a
     * container ending during a close) and be read closed.
     */
    void releaseShims() {
        if (thread.isAlive()) return; // it did not stop in time: the table is still its own
        for (LoopContainer c : core.table.values()) {
            for (Proc p : c.procs.values()) if (p.shim != null) p.shim.close();
        }
    }
}
