package dev.nana.supervisor;

import dev.nana.AlreadyExistsException;
import dev.nana.ContainerInfo;
import dev.nana.ContainerStatus;
import dev.nana.EventType;
import dev.nana.ExitStatus;
import dev.nana.FailedPreconditionException;
import dev.nana.NanaException;
import dev.nana.NotFoundException;
import dev.nana.UnavailableException;
import dev.nana.events.EventBus;
import dev.nana.os.OsException;
import dev.nana.shim.ShimExit;
import dev.nana.state.Reported;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * lock-free queue (many producers, this single consumer) and is handled in {@link #handle},
 * one switch over the sealed task type. Nothing slow runs here: shim spawns and runtime
 * calls go to the start pool or the workers, file reads to the workers, and their results
 * come back as tasks. Replies complete on the callbacks executor, so no caller's code ever
 * runs on this thread; a synchronous call's reply ({@link Awaited}), which has no code
 * hanging on it, is completed here.
 */
final class EventLoop {
    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

    private final ConcurrentLinkedQueue<Task> queue = new ConcurrentLinkedQueue<>();
    private final Map<String, Container> table = new HashMap<>();
    private final Set<String> creating = new HashSet<>();
    private final AtomicLong handled = new AtomicLong();
    private final Launcher launcher;
    private final EventBus bus;
    private final ExecutorService starts;
    private final ExecutorService workers;
    private final ExecutorService persister;
    private final Executor callbacks;
    private final Duration timeout;
    private final dev.nana.metrics.Metrics metrics = new dev.nana.metrics.Metrics();
    private Monitor monitor;
    private Runnable onDeath = () -> { };
    private Thread thread;
    private volatile boolean stopped;

    EventLoop(Launcher launcher, EventBus bus, ExecutorService starts, ExecutorService workers,
            ExecutorService persister, Executor callbacks, Duration timeout) {
        this.launcher = launcher;
        this.bus = bus;
        this.starts = starts;
        this.workers = workers;
        this.persister = persister;
        this.callbacks = callbacks;
        this.timeout = timeout;
    }

    void setMonitor(Monitor monitor) {
        this.monitor = monitor;
    }

    /** What to do if the loop thread dies of an Error (a daemon exits, to be restarted). */
    void onDeath(Runnable r) {
        this.onDeath = r;
    }

    void start() {
        thread = Thread.ofPlatform().name("nana-loop").start(this::run);
    }

    /** Puts a task on the queue; safe from any thread, never blocks. */
    void post(Task task) {
        queue.add(task);
        LockSupport.unpark(thread);
    }

    /** Tasks waiting (for metrics). */
    int queueDepth() {
        return queue.size();
    }

    long handledCount() {
        return handled.get();
    }

    dev.nana.metrics.Metrics metrics() {
        return metrics;
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
                // no thread owns the table any more: nothing this supervisor is asked would be answered
                log.error("the event loop died handling {}: {}", task.getClass().getSimpleName(), e.toString(), e);
                onDeath.run();
                throw e;
            }
            handled.incrementAndGet();
        }
    }

    private void handle(Task task) {
        switch (task) {
            case Task.Create t -> create(t);
            case Task.Launched t -> launched(t);
            case Task.LaunchFailed t -> {
                creating.remove(t.id());
                metrics.startFailed();
                fail(t.reply(), t.error());
            }
            case Task.Start t -> start(t);
            case Task.StartDone t -> startDone(t);
            case Task.Kill t -> kill(t);
            case Task.Pause t -> pause(t);
            case Task.Update t -> update(t);
            case Task.Checkpoint t -> checkpoint(t);
            case Task.Exec t -> exec(t);
            case Task.ExecLaunched t -> execLaunched(t);
            case Task.ExecFailed t -> {
                Container c = table.get(t.id());
                if (c != null) c.execs.remove(t.execId());
                fail(t.reply(), t.error());
            }
            case Task.WaitExec t -> waitExec(t);
            case Task.FlushInitExit t -> {
                Container c = table.get(t.id());
                if (c != null && c.pendingInitExit != null) finishInitExit(c);
            }
            case Task.PauseDone t -> pauseDone(t);
            case Task.Delete t -> delete(t);
            case Task.Removed t -> removed(t);
            case Task.Query t -> query(t);
            case Task.WaitExit t -> waitExit(t);
            case Task.ShimGone t -> shimGone(t);
            case Task.ExitRead t -> exitRead(t);
            case Task.OomNoticed t -> oomNoticed(t);
            case Task.StartNoticed t -> startNoticed(t);
            case Task.OomRead t -> {
                Container c = table.get(t.id());
                if (c != null) reconcileOom(c, t.kills());
            }
            case Task.Shutdown t -> shutdown(t);
        }
    }

    // ---- create and start

    private void create(Task.Create t) {
        String id = t.spec().spec().id();
        if (table.containsKey(id) || creating.contains(id)) {
            fail(t.reply(), new AlreadyExistsException("container \"" + id
                    + "\" already exists: delete it first, or choose another id"));
            return;
        }
        creating.add(id);
        long requestedAt = System.nanoTime();
        starts.execute(() -> {
            Launcher.Prepared prepared = null;
            try {
                prepared = launcher.prepare(t.spec());
                boolean running = t.start() || t.restoreImage() != null;
                post(new Task.Launched(prepared, launcher.launch(prepared, t.start(), timeout, t.restoreImage(), t.criu()),
                        running, requestedAt, t.reply()));
            } catch (RuntimeException e) {
                post(new Task.LaunchFailed(id, e, t.reply()));
            }
        });
    }

    private void launched(Task.Launched t) {
        Launcher.Prepared p = t.prepared();
        creating.remove(p.record().id());
        Container c = new Container(p.record(), p.runtime(), p.dir());
        c.shim = t.shim();
        c.pid = t.shim().pid();
        c.status = t.started() ? ContainerStatus.RUNNING : ContainerStatus.CREATED;
        table.put(c.id(), c);
        watch(c);
        publish(c, EventType.CREATE, null, null);
        if (t.started()) {
            metrics.started(System.nanoTime() - t.requestedAt());
            publish(c, EventType.START, null, null);
        }
        complete(t.reply(), c.info());
    }

    /** Puts a restored exec's shim under the monitor's eye; returns its token. */
    long watchExec(Container c, Container.ExecState e) {
        try {
            return monitor.watchExit(c.id(), e.execId, e.shim.exitFd());
        } catch (OsException ex) {
            log.error("exec {} in {}: cannot watch its shim: {}", e.execId, c.id(), ex.getMessage());
            return -1;
        }
    }

    /**
     * Puts a live container's shim under the monitor's eye: its exit FIFO, its oom file, and
     * its folder (for a start that happens without this supervisor: a run whose supervisor
     * died between create and start). A created container is checked once more after the
     * watch is in place, so a start just before it is not missed.
     */
    void watch(Container c) {
        try {
            c.exitToken = monitor.watchExit(c.id(), "init", c.shim.exitFd());
            monitor.watchOom(c.id(), "init", c.init.oomFile());
            monitor.watchFolder(c.id(), "init", c.init.dir());
        } catch (OsException e) {
            log.error("container {}: cannot watch its shim: {}", c.id(), e.getMessage());
        }
        if (c.status == ContainerStatus.CREATED) post(new Task.StartNoticed(c.id(), "init"));
    }

    private void start(Task.Start t) {
        Container c = find(t.id(), t.reply());
        if (c == null || !idle(c, "start", t.reply())) return;
        if (c.status != ContainerStatus.CREATED) {
            fail(t.reply(), new FailedPreconditionException("cannot start \"" + c.id() + "\": it is "
                    + describe(c.status) + (c.status == ContainerStatus.STOPPED ? "; delete it and run it again" : "")));
            return;
        }
        c.busy = "start";
        long requestedAt = System.nanoTime();
        starts.execute(() -> {
            try {
                c.shim.start(timeout);
                post(new Task.StartDone(c.id(), null, requestedAt, t.reply()));
            } catch (RuntimeException e) {
                post(new Task.StartDone(c.id(), e, requestedAt, t.reply()));
            }
        });
    }

    private void startDone(Task.StartDone t) {
        if (t.error() != null && table.containsKey(t.id())) metrics.startFailed();
        Container c = endBusy(t.id(), t.error(), t.reply());
        if (c == null) return;
        metrics.started(System.nanoTime() - t.requestedAt());
        if (c.status == ContainerStatus.CREATED) c.status = ContainerStatus.RUNNING;
        if (!c.reported.start()) publish(c, EventType.START, null, null);
        complete(t.reply(), c.info());
    }

    // ---- signals and delete

    private void kill(Task.Kill t) {
        Container c = findLive(t.id(), "kill", t.reply());
        if (c == null) return;
        workers.execute(() -> {
            try {
                c.runtime.kill(c.id(), c.record.runtimeArgs(), t.signal(), t.all());
                complete(t.reply(), null);
            } catch (RuntimeException e) {
                fail(t.reply(), e);
            }
        });
    }

    // ---- exec

    private void exec(Task.Exec t) {
        Container c = find(t.id(), t.reply());
        if (c == null) return;
        if (c.status != ContainerStatus.RUNNING) {
            fail(t.reply(), new FailedPreconditionException("cannot exec in \"" + c.id() + "\": it is " + describe(c.status)
                    + (c.status == ContainerStatus.PAUSED ? "; resume it first" : "")));
            return;
        }
        String execId = t.spec().execId() != null ? t.spec().execId()
                : "exec-" + java.util.HexFormat.of().toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextInt());
        if (c.execs.containsKey(execId)) {
            fail(t.reply(), new AlreadyExistsException("exec \"" + execId + "\" already exists in \"" + c.id()
                    + "\": choose another exec id"));
            return;
        }
        Container.ExecState e = new Container.ExecState(execId, new dev.nana.shim.ProcessDir(c.dir.resolve(execId)));
        c.execs.put(execId, e);
        starts.execute(() -> {
            try {
                post(new Task.ExecLaunched(c.id(), execId, launcher.launchExec(c.id(), c.dir, c.runtime,
                        c.record.runtimeArgs(), e.dir, t.spec(), timeout), t.reply()));
            } catch (RuntimeException ex) {
                post(new Task.ExecFailed(c.id(), execId, ex, t.reply()));
            }
        });
    }

    private void execLaunched(Task.ExecLaunched t) {
        Container c = table.get(t.id());
        Container.ExecState e = c == null ? null : c.execs.get(t.execId());
        if (e == null) { // the container went away meanwhile
            t.shim().close();
            fail(t.reply(), notFound(t.id()));
            return;
        }
        e.shim = t.shim();
        e.pid = t.shim().pid();
        try {
            e.token = monitor.watchExit(c.id(), e.execId, e.shim.exitFd());
        } catch (OsException ex) {
            log.error("exec {} in {}: cannot watch its shim: {}", e.execId, c.id(), ex.getMessage());
        }
        publishExec(c, e, EventType.EXEC_STARTED, null);
        complete(t.reply(), new dev.nana.ExecInfo(c.id(), e.execId, e.pid));
    }

    private void waitExec(Task.WaitExec t) {
        Container c = find(t.id(), t.reply());
        if (c == null) return;
        Container.ExecState e = c.execs.get(t.execId());
        if (e == null) {
            fail(t.reply(), new NotFoundException("no exec \"" + t.execId() + "\" in \"" + c.id() + "\""));
        } else if (e.exit != null) {
            complete(t.reply(), e.exit);
        } else {
            e.waiters.add(t.reply());
        }
    }

    /** An exec's exit: told, its waiters answered; then the init's, if it was waiting for this. */
    void recordExecExit(Container c, Container.ExecState e, ShimExit exit) {
        e.exit = new ExitStatus(exit.code(), Instant.now(), false, exit.derived());
        if (!e.reported.exit()) publishExec(c, e, EventType.EXIT, exit.code());
        if (e.shim != null) e.shim.close();
        for (CompletableFuture<ExitStatus> w : e.waiters) complete(w, e.exit);
        e.waiters.clear();
        if (c.pendingInitExit != null && !c.execsLive()) finishInitExit(c);
    }

    void publishExec(Container c, Container.ExecState e, EventType type, Integer exitCode) {
        bus.publish(type, c.id(), e.execId, exitCode, c.record.uid(), null);
        e.reported = type == EventType.EXIT ? e.reported.withExit() : e.reported.withStart();
        Reported snapshot = e.reported;
        persister.execute(() -> {
            try {
                if (Files.isDirectory(e.dir.dir())) e.dir.writeReported(snapshot);
            } catch (IOException ex) {
                // deleted meanwhile, or a full disk: restore checks the journal
            }
        });
    }

    private void checkpoint(Task.Checkpoint t) {
        Container c = find(t.id(), t.reply());
        if (c == null || !idle(c, "checkpoint", t.reply())) return;
        if (c.status != ContainerStatus.RUNNING) {
            fail(t.reply(), new FailedPreconditionException("cannot checkpoint \"" + c.id() + "\": it is " + describe(c.status)));
            return;
        }
        workers.execute(() -> {
            try {
                java.nio.file.Path criu = dev.nana.runtime.Criu.require(c.runtime, t.criu());
                c.runtime.checkpoint(c.id(), c.record.runtimeArgs(), criu, t.imagePath(), t.leaveRunning());
                complete(t.reply(), null); // without leave-running, its exit follows as an event
            } catch (RuntimeException e) {
                fail(t.reply(), e);
            }
        });
    }

    private void update(Task.Update t) {
        Container c = findLive(t.id(), "update", t.reply());
        if (c == null) return;
        workers.execute(() -> {
            try {
                c.runtime.update(c.id(), c.record.runtimeArgs(), t.resources());
                // answer with the container as the loop sees it now
                CompletableFuture<List<ContainerInfo>> now = new CompletableFuture<>();
                now.whenComplete((list, e) -> {
                    if (e != null) t.reply().completeExceptionally(e);
                    else t.reply().complete(list.getFirst());
                });
                post(new Task.Query(c.id(), now));
            } catch (RuntimeException e) {
                fail(t.reply(), e);
            }
        });
    }

    private void pause(Task.Pause t) {
        Container c = find(t.id(), t.reply());
        String verb = t.pause() ? "pause" : "resume";
        if (c == null || !idle(c, verb, t.reply())) return;
        ContainerStatus needed = t.pause() ? ContainerStatus.RUNNING : ContainerStatus.PAUSED;
        if (c.status != needed) {
            fail(t.reply(), new FailedPreconditionException("cannot " + verb + " \"" + c.id() + "\": it is "
                    + describe(c.status) + (t.pause() ? "" : "; only a paused container resumes")));
            return;
        }
        c.busy = verb;
        workers.execute(() -> {
            try {
                c.runtime.pause(c.id(), c.record.runtimeArgs(), t.pause());
                // on disk, so that a restarted supervisor knows it is frozen
                if (t.pause()) Files.write(c.init.pausedFile(), new byte[0]);
                else Files.deleteIfExists(c.init.pausedFile());
                post(new Task.PauseDone(c.id(), t.pause(), null, t.reply()));
            } catch (RuntimeException e) {
                post(new Task.PauseDone(c.id(), t.pause(), e, t.reply()));
            } catch (IOException e) {
                post(new Task.PauseDone(c.id(), t.pause(), new UnavailableException(verb + " \"" + c.id()
                        + "\": record it in " + c.init.dir() + ": " + e.getMessage(), e), t.reply()));
            }
        });
    }

    private void pauseDone(Task.PauseDone t) {
        Container c = endBusy(t.id(), t.error(), t.reply());
        if (c == null) return;
        if (c.status != ContainerStatus.STOPPED) {
            c.status = t.pause() ? ContainerStatus.PAUSED : ContainerStatus.RUNNING;
            publish(c, t.pause() ? EventType.PAUSE : EventType.RESUME, null, null);
        }
        complete(t.reply(), c.info());
    }

    private void delete(Task.Delete t) {
        Container c = find(t.id(), t.reply());
        if (c == null || !idle(c, "delete", t.reply())) return;
        switch (c.status) {
            case STOPPED -> remove(c, t.lazy(), t.reply());
            case RUNNING, PAUSED -> {
                if (!t.force()) {
                    fail(t.reply(), new FailedPreconditionException("cannot delete \"" + c.id() + "\": it is "
                            + describe(c.status) + "; kill it first, or delete with force"));
                    return;
                }
                killThenRemove(c, t.lazy(), t.reply());
            }
            case CREATED -> killThenRemove(c, t.lazy(), t.reply());
        }
    }

    /** Kills the container's processes; the exit this causes is published, then the container removed. */
    private void killThenRemove(Container c, boolean lazy, CompletableFuture<Void> reply) {
        c.busy = "delete";
        c.deleteAfterExit = reply;
        c.deleteAfterExitLazily = lazy;
        boolean frozen = c.status == ContainerStatus.PAUSED;
        workers.execute(() -> {
            try {
                c.runtime.kill(c.id(), c.record.runtimeArgs(), 9, true);
                if (frozen) c.runtime.pause(c.id(), c.record.runtimeArgs(), false); // a frozen process dies once thawed
            } catch (RuntimeException e) {
                log.debug("delete {}: kill: {} (it may have exited already)", c.id(), e.getMessage());
            }
        });
    }

    /**
     * Removes a container whose processes are gone. A delete waits for the runtime's and
     * fails with it; a lazy one (Supervisor#remove, run --rm) is answered once the folder is
     * retired and DELETE journaled, the runtime's delete after (Launcher#forget).
     */
    private void remove(Container c, boolean lazy, CompletableFuture<Void> reply) {
        c.busy = "delete";
        workers.execute(() -> {
            try {
                if (!lazy) c.runtime.delete(c.id(), c.record.runtimeArgs(), true);
                java.nio.file.Path retired = launcher.retire(c.id());
                post(new Task.Removed(c.id(), retired, !lazy, null, reply));
            } catch (RuntimeException e) {
                post(new Task.Removed(c.id(), null, false, e, reply));
            }
        });
    }

    private void removed(Task.Removed t) {
        Container c = table.get(t.id());
        if (c == null) return;
        c.busy = null;
        if (t.error() != null) {
            fail(t.reply(), t.error());
            return;
        }
        table.remove(c.id());
        if (c.shim != null) c.shim.close();
        publishDeleted(c.id(), c.record.uid());
        // journaled: now the folder may go, after the answer (and first, for a lazy remove, the runtime's state)
        if (t.runtimeDeleted()) workers.execute(() -> Launcher.removeQuietly(t.retired()));
        else launcher.forget(c.id(), c.runtime, c.record.runtimeArgs(), t.retired(), workers);
        for (CompletableFuture<ExitStatus> w : c.exitWaiters) fail(w, notFound(c.id()));
        complete(t.reply(), null);
    }

    // ---- queries

    private void query(Task.Query t) {
        if (t.id() != null) {
            Container c = find(t.id(), t.reply());
            if (c != null) complete(t.reply(), List.of(c.info()));
            return;
        }
        List<ContainerInfo> all = new ArrayList<>();
        for (Container c : table.values()) all.add(c.info());
        all.sort(Comparator.comparing(ContainerInfo::id));
        complete(t.reply(), all);
    }

    private void waitExit(Task.WaitExit t) {
        Container c = find(t.id(), t.reply());
        if (c == null) return;
        if (c.status == ContainerStatus.STOPPED) complete(t.reply(), c.exit);
        else c.exitWaiters.add(t.reply());
    }

    // ---- exits and OOM kills

    private void shimGone(Task.ShimGone t) {
        Container c = table.get(t.id());
        if (c == null) return;
        if (!t.process().equals("init")) {
            Container.ExecState e = c.execs.get(t.process());
            if (e == null || e.token != t.token()) return;
            e.token = -1;
            workers.execute(() -> {
                if (e.shim != null) e.shim.reap();
                post(new Task.ExitRead(c.id(), e.execId, ShimExit.of(e.dir)));
            });
            return;
        }
        if (c.exitToken != t.token()) return;
        c.exitToken = -1;
        workers.execute(() -> {
            c.shim.reap();
            post(new Task.ExitRead(c.id(), t.process(), ShimExit.of(c.init)));
        });
    }

    private void exitRead(Task.ExitRead t) {
        Container c = table.get(t.id());
        if (c == null) return;
        if (!t.process().equals("init")) {
            Container.ExecState e = c.execs.get(t.process());
            if (e != null && e.exit == null) recordExecExit(c, e, t.exit());
            return;
        }
        c.pendingInitExit = t.exit();
        if (!c.execsLive()) {
            finishInitExit(c);
            return;
        }
        // its execs die with it (one pid namespace) and tell first; give them two seconds
        workers.execute(() -> {
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            post(new Task.FlushInitExit(c.id()));
        });
    }

    private void finishInitExit(Container c) {
        ShimExit exit = c.pendingInitExit;
        c.pendingInitExit = null;
        recordExit(c, exit);
        if (c.deleteAfterExit != null) {
            CompletableFuture<Void> reply = c.deleteAfterExit;
            c.deleteAfterExit = null;
            remove(c, c.deleteAfterExitLazily, reply);
        }
    }

    /** Publishes, in order, whatever the exit reveals that was not yet told: start, OOM kills, exit. */
    void recordExit(Container c, ShimExit exit) {
        if (!c.reported.start() && Files.exists(c.init.startedFile())) publish(c, EventType.START, null, null);
        reconcileOom(c, exit.oomKills());
        c.status = ContainerStatus.STOPPED;
        c.exit = new ExitStatus(exit.code(), Instant.now(), c.oomKills > 0, exit.derived());
        if (!c.reported.exit()) publish(c, EventType.EXIT, exit.code(), null);
        if (c.shim != null) c.shim.close();
        for (CompletableFuture<ExitStatus> w : c.exitWaiters) complete(w, c.exit);
        c.exitWaiters.clear();
    }

    private void startNoticed(Task.StartNoticed t) {
        Container c = table.get(t.id());
        if (c == null || c.status != ContainerStatus.CREATED || c.busy != null) return;
        if (!Files.exists(c.init.startedFile())) return;
        c.status = ContainerStatus.RUNNING;
        if (!c.reported.start()) publish(c, EventType.START, null, null);
    }

    private void oomNoticed(Task.OomNoticed t) {
        Container c = table.get(t.id());
        if (c == null) return;
        workers.execute(() -> post(new Task.OomRead(c.id(), t.process(), c.init.oomKills())));
    }

    void reconcileOom(Container c, int kills) {
        for (int n = c.reported.oom() + 1; n <= kills; n++) publish(c, EventType.OOM, null, n);
        c.oomKills = Math.max(c.oomKills, kills);
    }

    // ---- events

    /**
     * Journals and fans out one event, then records in the process folder that it was
     * told (written by the persister thread, in order). Restore compares the two.
     */
    void publish(Container c, EventType type, Integer exitCode, Integer n) {
        bus.publish(type, c.id(), "init", exitCode, c.record.uid(), n);
        if (type == EventType.EXIT) metrics.exited();
        if (type == EventType.OOM) metrics.oomKilled();
        c.reported = switch (type) {
            case CREATE -> c.reported.withCreate();
            case START -> c.reported.withStart();
            case OOM -> c.reported.withOom(n);
            case EXIT -> c.reported.withExit();
            case DELETE, PAUSE, RESUME, EXEC_STARTED -> c.reported; // live news only: restore reads "paused" itself
        };
        Reported snapshot = c.reported;
        persister.execute(() -> {
            try {
                if (Files.isDirectory(c.init.dir())) c.init.writeReported(snapshot);
            } catch (java.nio.file.NoSuchFileException e) {
                // deleted meanwhile
            } catch (IOException e) {
                log.warn("container {}: record reported events: {}", c.id(), e.getMessage());
            }
        });
    }

    /** Journals and fans out DELETE: the container's folder has been retired (Launcher#retire). */
    void publishDeleted(String id, String uid) {
        bus.publish(EventType.DELETE, id, "init", null, uid, null);
    }

    /** Adds a restored container (before the loop thread starts). */
    void adopt(Container c) {
        table.put(c.id(), c);
    }

    // ---- lifecycle

    private void shutdown(Task.Shutdown t) {
        stopped = true;
        for (Container c : table.values()) {
            for (CompletableFuture<ExitStatus> w : c.exitWaiters) {
                fail(w, new UnavailableException("the supervisor was closed before \"" + c.id() + "\" exited"));
            }
            if (c.shim != null) c.shim.close();
        }
        complete(t.reply(), null);
    }

    // ---- helpers

    /**
     * The end of an operation that marked its container busy: the container, freed; or null
     * when it is gone or the operation failed (the reply is told either way).
     */
    private Container endBusy(String id, RuntimeException error, CompletableFuture<?> reply) {
        Container c = find(id, reply);
        if (c == null) return null;
        c.busy = null;
        if (error != null) {
            fail(reply, error);
            return null;
        }
        return c;
    }

    private Container find(String id, CompletableFuture<?> reply) {
        Container c = table.get(id);
        if (c == null) fail(reply, notFound(id));
        return c;
    }

    /** The container, unless it is unknown or stopped (then reply fails, saying which). */
    private Container findLive(String id, String what, CompletableFuture<?> reply) {
        Container c = find(id, reply);
        if (c != null && c.status == ContainerStatus.STOPPED) {
            fail(reply, new FailedPreconditionException("cannot " + what + " \"" + c.id() + "\": it is stopped"));
            return null;
        }
        return c;
    }

    private boolean idle(Container c, String what, CompletableFuture<?> reply) {
        if (c.busy == null) return true;
        fail(reply, new FailedPreconditionException("cannot " + what + " \"" + c.id() + "\": a " + c.busy
                + " is under way; try again when it is done"));
        return false;
    }

    static NotFoundException notFound(String id) {
        return new NotFoundException("no container \"" + id + "\": nana ps lists the containers there are");
    }

    private static String describe(ContainerStatus s) {
        return s == null ? "being created" : s.name().toLowerCase(java.util.Locale.ROOT);
    }

    private <T> void complete(CompletableFuture<T> f, T value) {
        if (f instanceof Awaited) f.complete(value);
        else callbacks.execute(() -> f.complete(value));
    }

    private void fail(CompletableFuture<?> f, RuntimeException e) {
        RuntimeException error = e instanceof NanaException ? e
                : new UnavailableException("unexpected failure: " + e, e);
        if (f instanceof Awaited) f.completeExceptionally(error);
        else callbacks.execute(() -> f.completeExceptionally(error));
    }

    /**
     * The reply of a synchronous call, whose caller blocks in join until it comes and hands
     * it to nobody: nothing can hang on it, so the loop completes it itself. A reply handed
     * to callers (waitForExit) is completed on the callbacks executor, so their stages never
     * run on the loop; that costs a thread hop each, which a forwarded `nana ps` showed.
     */
    static final class Awaited<T> extends CompletableFuture<T> {}
}
