package dev.nana.supervisor;

import dev.nana.EventType;
import dev.nana.FailedPreconditionException;
import dev.nana.NanaException;
import dev.nana.NotFoundException;
import dev.nana.UnavailableException;
import dev.nana.supervisor.events.EventBus;
import dev.nana.supervisor.metrics.Metrics;
import dev.nana.supervisor.os.OsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the event loop's handlers share: the container table, the executors slow work goes to, and
 * the few verbs every handler speaks (find, refuse, answer, publish, watch). Only the loop thread
 * touches the table; workers hand their results back as tasks (post).
 */
final class Core {
    private static final Logger log = LoggerFactory.getLogger(Core.class);

    final Map<String, LoopContainer> table = new HashMap<>();

    /** Ids whose create is under way: reserved, not containers yet. */
    final Set<String> creating = new HashSet<>();

    final Launcher launcher;
    final EventBus bus;

    /** The bounded start pool: shim spawns and starts. */
    final ExecutorService starts;

    /** Runtime calls and file reads. */
    final ExecutorService workers;

    /** "reported" writes, one thread, in order. */
    final ExecutorService persister;

    private final Executor callbacks;
    final Duration timeout;
    final Metrics metrics = new Metrics();
    final Consumer<Task> post;
    Monitor monitor;

    Core(
            Launcher launcher,
            EventBus bus,
            ExecutorService starts,
            ExecutorService workers,
            ExecutorService persister,
            Executor callbacks,
            Duration timeout,
            Consumer<Task> post) {
        this.launcher = launcher;
        this.bus = bus;
        this.starts = starts;
        this.workers = workers;
        this.persister = persister;
        this.callbacks = callbacks;
        this.timeout = timeout;
        this.post = post;
    }

    void post(Task t) {
        post.accept(t);
    }

    // ---- finding, refusing, answering

    /** The container, or null with the reply told that there is none. */
    LoopContainer find(String id, CompletableFuture<?> reply) {
        LoopContainer c = table.get(id);
        if (c == null) fail(reply, notFound(id));
        return c;
    }

    /**
     * The container if op may happen to it now (Lifecycle's table); else null, the reply told why.
     */
    LoopContainer allowing(String id, Lifecycle.Op op, boolean force, CompletableFuture<?> reply) {
        LoopContainer c = find(id, reply);
        if (c == null) return null;
        String refusal = Lifecycle.refusal(c, op, force);
        if (refusal == null) return c;
        fail(reply, new FailedPreconditionException(refusal));
        return null;
    }

    /**
     * The end of an exclusive operation: the container, freed; or null when it is gone or the
     * operation failed (the reply is told either way).
     */
    LoopContainer endBusy(String id, RuntimeException error, CompletableFuture<?> reply) {
        LoopContainer c = find(id, reply);
        if (c == null) return null;
        c.busy = null;
        if (error != null) {
            fail(reply, error);
            return null;
        }
        return c;
    }

    static NotFoundException notFound(String id) {
        return new NotFoundException(
                "no container \""
                        + id
                        + "\": it was deleted, or never created; list the containers to see which there are");
    }

    <T> void complete(CompletableFuture<T> f, T value) {
        if (f instanceof Awaited) f.complete(value);
        else callbacks.execute(() -> f.complete(value));
    }

    void fail(CompletableFuture<?> f, RuntimeException e) {
        RuntimeException error =
                e instanceof NanaException
                        ? e
                        : new UnavailableException("unexpected failure: " + e, e);
        if (f instanceof Awaited) f.completeExceptionally(error);
        else callbacks.execute(() -> f.completeExceptionally(error));
    }

    /**
     * The reply of a synchronous call, whose caller blocks in join until it comes and hands it to
     * nobody: nothing can hang on it, so the loop completes it itself. A reply handed to callers
     * (waitForExit) is completed on the callbacks executor, so their stages never run on the loop;
     * that costs a thread hop each, which a forwarded `nana ps` showed.
     */
    static final class Awaited<T> extends CompletableFuture<T> {}

    // ---- events

    /**
     * Journals and fans out one event of a process, then records in its folder that it was told
     * (written by the persister thread, in order). Restore compares the two.
     */
    void publish(LoopContainer c, Proc p, EventType type, Integer exitCode, Integer n) {
        bus.publish(type, c.id(), p.id, exitCode, c.record.uid(), n);
        if (p.isInit() && type == EventType.EXIT) metrics.exited();
        if (type == EventType.OOM) metrics.oomKilled();
        p.reported =
                switch (type) {
                    case CREATE -> p.reported.withCreate();
                    case START, EXEC_STARTED -> p.reported.withStart();
                    case OOM -> p.reported.withOom(n);
                    case EXIT -> p.reported.withExit();
                    case DELETE, PAUSE, RESUME ->
                            p.reported; // live news only: restore reads "paused" itself
                };
        var snapshot = p.reported;
        persister.execute(
                () -> {
                    try {
                        if (Files.isDirectory(p.dir.dir())) p.dir.writeReported(snapshot);
                    } catch (NoSuchFileException e) {
                        // deleted meanwhile
                    } catch (IOException e) {
                        log.warn(
                                "container {}: record the reported events of {}: {}",
                                c.id(),
                                p.id,
                                e.getMessage());
                    }
                });
    }

    /** Journals and fans out DELETE: the container's folder has been retired (Launcher#retire). */
    void publishDeleted(String id, String uid) {
        bus.publish(EventType.DELETE, id, Proc.INIT, null, uid, null);
    }

    /** Publishes the OOM kills the count reveals that were not yet told. */
    void reconcileOom(LoopContainer c, int kills) {
        for (int n = c.init.reported.oom() + 1; n <= kills; n++)
            publish(c, c.init, EventType.OOM, null, n);
        c.oomKills = Math.max(c.oomKills, kills);
    }

    // ---- the monitor

    /**
     * Puts a live process's shim under the monitor's eye: its exit FIFO; for the init also its oom
     * file and its folder (for a start that happens without this supervisor: a run whose supervisor
     * died between create and start). A created container is checked once more after the watch is
     * in place, so a start just before it is not missed.
     */
    void watch(LoopContainer c, Proc p) {
        try {
            p.token = monitor.watchExit(c.id(), p.id, p.shim.exitFd());
            if (p.isInit()) {
                monitor.watchOom(c.id(), p.id, p.dir.oomFile());
                monitor.watchFolder(c.id(), p.id, p.dir.dir());
            }
        } catch (OsException e) {
            log.error(
                    "container {}: cannot watch the shim of {}: {}", c.id(), p.id, e.getMessage());
        }
        // a start just before the watch is seen here, one after it by the watch; checked on
        // the spot, not queued behind requests that could then find it created
        if (p.isInit()) noticeStart(c);
    }

    /**
     * A created container whose shim wrote "started": a start this supervisor did not ask for (its
     * run was cut short, or restore caught it mid-start) is taken as RUNNING and told.
     */
    void noticeStart(LoopContainer c) {
        if (c.status != dev.nana.ContainerStatus.CREATED || c.busy != null) return;
        if (!Files.exists(c.init.dir.startedFile())) return;
        c.status = dev.nana.ContainerStatus.RUNNING;
        if (!c.init.reported.start()) publish(c, c.init, EventType.START, null, null);
    }
}
