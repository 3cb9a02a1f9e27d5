package dev.nana.supervisor;

import dev.nana.AlreadyExistsException;
import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.EventFilter;
import dev.nana.EventSubscriber;
import dev.nana.ExitStatus;
import dev.nana.FailedPreconditionException;
import dev.nana.InvalidArgumentException;
import dev.nana.NotFoundException;
import dev.nana.Stdio;
import dev.nana.Subscription;
import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.spi.ExecStreams;
import dev.nana.supervisor.bundle.Bundle;
import dev.nana.supervisor.events.EventBus;
import dev.nana.supervisor.events.Journal;
import dev.nana.supervisor.metrics.Metrics;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import dev.nana.supervisor.runtime.Criu;
import dev.nana.supervisor.shim.ExecPipes;
import dev.nana.supervisor.shim.InputFifo;
import dev.nana.supervisor.shim.OutputAttachment;
import dev.nana.supervisor.shim.OutputLog;
import dev.nana.supervisor.shim.ProcessDir;
import dev.nana.supervisor.state.StateDir;
import dev.nana.supervisor.stats.CgroupStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process {@link Supervisor}: an event loop that owns the container table, a monitor thread
 * on every shim's exit FIFO, a bounded start pool, workers for runtime calls, and the event bus
 * with its journal. Built with {@link #builder()}; on build it locks its state directory, restores
 * every container found there, then serves.
 */
public final class LocalSupervisor implements Supervisor {
    private static final Logger log = LoggerFactory.getLogger(LocalSupervisor.class);

    /** Default number of creates and starts under way at once ("10 at a time beats 100"). */
    public static final int DEFAULT_MAX_CONCURRENT_STARTS = 10;

    private final StateDir state;
    private final String defaultRuntime;
    private final StateLock lock;
    private final Journal journal;
    private final EventBus bus;
    private final EventLoop loop;
    private final Monitor monitor;
    private final ExecutorService starts;
    private final ExecutorService workers;
    private final ExecutorService persister;
    private final ExecutorService callbacks;
    private final int restored;
    private final Duration timeout;
    private final DirectIo direct; // what a client may do with a shim without the lock
    private volatile boolean closed;

    private LocalSupervisor(Builder b) {
        LibNana.requireAbi();
        this.state = new StateDir(b.stateDir).ensure();
        this.defaultRuntime = b.defaultRuntime;
        this.timeout = b.timeout;
        this.direct = new DirectIo(state.root());
        this.lock = StateLock.acquire(state.root(), b.lockWait, b.daemon);
        try {
            this.journal = new Journal(state.root().resolve(Journal.FILE), b.journalMaxBytes);
            this.bus = new EventBus(journal, b.subscriberQueue);
            this.starts = Executors.newFixedThreadPool(b.maxConcurrentStarts, named("nana-start-"));
            this.workers = Executors.newCachedThreadPool(named("nana-worker-"));
            this.persister = Executors.newSingleThreadExecutor(named("nana-persist-"));
            this.callbacks = Executors.newVirtualThreadPerTaskExecutor();
            Launcher launcher = new Launcher(state, b.fastStart);
            this.loop =
                    new EventLoop(launcher, bus, starts, workers, persister, callbacks, b.timeout);
            if (b.daemon) {
                // a daemon that cannot answer is worse than one that is gone: systemd restarts it,
                // restore loses nothing
                loop.onDeath(
                        () -> {
                            log.error("nana daemon exits: its event loop died");
                            Runtime.getRuntime().halt(70);
                        });
            }
            this.monitor = new Monitor(loop::post);
            loop.setMonitor(monitor);
            long t0 = System.nanoTime();
            this.restored = new Restorer(state, loop, journal, launcher, b.timeout).restore();
            log.debug(
                    "restored {} containers from {} in {} ms",
                    restored,
                    state.root(),
                    (System.nanoTime() - t0) / 1_000_000);
            loop.start();
        } catch (IOException e) {
            lock.close();
            throw new UnavailableException(
                    "restore from \"" + state.root() + "\": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The pid of another process's supervisor holding stateDir, if one does right now. */
    public static Optional<Long> lockHolder(Path stateDir) {
        return StateLock.holder(stateDir);
    }

    /** How many containers the last restore found. */
    public int restoredCount() {
        return restored;
    }

    public Path stateDir() {
        return state.root();
    }

    @Override
    public ContainerInfo create(ContainerSpec spec) {
        try (HeapBudget.Share _ = bundleShare(spec)) {
            Launcher.Resolved r = resolve(spec);
            return call(f -> new Task.Create(r, false, f));
        } catch (AlreadyExistsException e) {
            return madeBySameRequest(spec, e, false);
        }
    }

    /**
     * The container a create or run of spec found there already, when a spec with the same request
     * id made it (a run starts it if it was only created); else e.
     */
    private ContainerInfo madeBySameRequest(
            ContainerSpec spec, AlreadyExistsException e, boolean start) {
        String request = spec.requestId();
        if (request == null) throw e;
        ContainerInfo there;
        try {
            there = state(spec.id());
        } catch (NotFoundException goneMeanwhile) {
            throw e;
        }
        if (!request.equals(there.labels().get(ContainerSpec.REQUEST_ID_LABEL))) throw e;
        if (!start || there.status() != ContainerStatus.CREATED) return there;
        try {
            return start(spec.id());
        } catch (FailedPreconditionException startedMeanwhile) {
            return state(spec.id());
        }
    }

    /**
     * The heap a create holds while its bundle's config is parsed and made into nana's: taken for
     * the whole call, which waits for the container to be made.
     */
    private static HeapBudget.Share bundleShare(ContainerSpec spec) {
        return HeapBudget.PROCESS.take(
                spec.image() != null ? 0 : Bundle.heapBytes(spec.bundle()),
                "the bundle of \"" + spec.id() + "\"");
    }

    @Override
    public ContainerInfo start(String id) {
        requireId(id);
        return call(f -> new Task.Start(id, f));
    }

    @Override
    public ContainerInfo run(ContainerSpec spec) {
        try (HeapBudget.Share _ = bundleShare(spec)) {
            Launcher.Resolved r = resolve(spec);
            return call(f -> new Task.Create(r, true, f));
        } catch (AlreadyExistsException e) {
            return madeBySameRequest(spec, e, true);
        }
    }

    @Override
    public ContainerInfo update(String id, dev.nana.Resources resources) {
        requireId(id);
        if (resources == null || resources.isEmpty()) {
            throw new InvalidArgumentException(
                    "update \"" + id + "\": nothing to change: give a memory, cpu or pids limit");
        }
        return call(f -> new Task.Update(id, resources, f));
    }

    @Override
    public dev.nana.Stats stats(String id) {
        requireId(id);
        ContainerInfo c =
                this.<List<ContainerInfo>>call(f -> new Task.Query(id, Lifecycle.Op.STATS, f))
                        .getFirst();
        return CgroupStats.of(id, c.pid()); // file reads: on the caller's thread, not the loop's
    }

    @Override
    public void checkpoint(String id, Path imagePath, boolean leaveRunning, Path criu) {
        requireId(id);
        if (imagePath == null || !imagePath.isAbsolute()) {
            throw new InvalidArgumentException(
                    "checkpoint \"" + id + "\": the image path must be an absolute directory");
        }
        this.<Void>call(f -> new Task.Checkpoint(id, imagePath, leaveRunning, criu, f));
    }

    @Override
    public ContainerInfo restore(ContainerSpec spec, Path imagePath, Path criu) {
        try (HeapBudget.Share _ = bundleShare(spec)) {
            return restore(spec, resolve(spec), imagePath, criu);
        }
    }

    private ContainerInfo restore(
            ContainerSpec spec, Launcher.Resolved r, Path imagePath, Path criu) {
        if (imagePath == null || !Files.isDirectory(imagePath)) {
            throw new InvalidArgumentException(
                    "restore \""
                            + spec.id()
                            + "\": image path \""
                            + imagePath
                            + "\" is not a directory: give the directory a checkpoint wrote its image to");
        }
        Path criuBinary = Criu.require(r.runtime(), criu); // refuse before anything is created
        return call(f -> new Task.Create(r, true, imagePath, criuBinary, f));
    }

    @Override
    public dev.nana.ExecInfo exec(String id, dev.nana.ExecSpec spec) {
        requireId(id);
        return call(f -> new Task.Exec(id, spec, f));
    }

    @Override
    public dev.nana.ExecHandle launch(String id, dev.nana.ExecSpec spec) {
        requireId(id);
        Objects.requireNonNull(spec, "spec");
        ExecPipes.Streams s =
                ExecPipes.start(
                        state.root().resolve(StateDir.STDIO),
                        state.root().resolve(id),
                        id,
                        spec,
                        withPipes -> exec(id, withPipes),
                        execId -> closeInput(id, execId));
        CompletableFuture<ExitStatus> exit = waitForExec(id, s.exec().execId());
        var _ = exit.whenComplete((_, _) -> s.remove().run()); // its FIFOs' folder goes too
        return new ExecStreams(this, s.exec(), s.output(), s.error(), s.input(), exit, () -> {});
    }

    @Override
    public CompletableFuture<ExitStatus> waitForExec(String id, String execId) {
        requireId(id);
        CompletableFuture<ExitStatus> f = new CompletableFuture<>();
        post(new Task.WaitExec(id, execId, f));
        return f;
    }

    @Override
    public ContainerInfo pause(String id) {
        requireId(id);
        return call(f -> new Task.Pause(id, true, f));
    }

    @Override
    public ContainerInfo resume(String id) {
        requireId(id);
        return call(f -> new Task.Pause(id, false, f));
    }

    @Override
    public void kill(String id, int signal, boolean all) {
        requireId(id);
        if (signal < 1 || signal > 64) {
            throw new InvalidArgumentException(
                    "signal "
                            + signal
                            + " is not a signal: give 1 to 64 (9 is SIGKILL, 15 SIGTERM)");
        }
        this.<Void>call(f -> new Task.Kill(id, signal, all, f));
    }

    @Override
    public void delete(String id, boolean force) {
        requireId(id);
        this.<Void>call(f -> new Task.Delete(id, force, false, f));
    }

    @Override
    public void remove(String id) {
        requireId(id);
        this.<Void>call(f -> new Task.Delete(id, true, true, f));
    }

    @Override
    public InputStream output(String id) {
        return new OutputLog(initDir(id), true, true);
    }

    @Override
    public InputStream attachOutput(String id) {
        requireId(id);
        if (state(id).status() == ContainerStatus.STOPPED) {
            throw new FailedPreconditionException(
                    "cannot attach to \"" + id + "\": it has exited; output(id) reads its log");
        }
        return OutputAttachment.attach(state.root().resolve(StateDir.STDIO), initDir(id), id);
    }

    @Override
    public OutputStream input(String id) {
        ProcessDir init = initDir(id);
        if (!Files.exists(init.stdinFifo())) {
            throw new FailedPreconditionException(
                    "container \""
                            + id
                            + "\" has no input: create it with openStdin() to write to its stdin");
        }
        try {
            return InputFifo.open(init, id);
        } catch (OsException e) {
            throw new UnavailableException(
                    "open the input of \"" + id + "\": " + e.getMessage(), e);
        }
    }

    @Override
    public void attach(String id, Stdio stdio) {
        requireOpen();
        direct.attach(id, stdio);
    }

    @Override
    public void resize(String id, String execId, int rows, int columns) {
        requireOpen();
        direct.resize(id, execId, rows, columns);
    }

    @Override
    public void closeInput(String id, String execId) {
        requireOpen();
        direct.closeInput(id, execId);
    }

    /** The init process's folder of a container there is (else NotFoundException). */
    private ProcessDir initDir(String id) {
        var _ = state(id);
        return new ProcessDir(state.root().resolve(id).resolve(Proc.INIT));
    }

    @Override
    public List<ContainerInfo> list() {
        return call(f -> new Task.Query(null, null, f));
    }

    @Override
    public ContainerInfo state(String id) {
        requireId(id);
        return this.<List<ContainerInfo>>call(f -> new Task.Query(id, null, f)).getFirst();
    }

    @Override
    public CompletableFuture<ExitStatus> waitForExit(String id) {
        requireId(id);
        CompletableFuture<ExitStatus> f = new CompletableFuture<>();
        post(new Task.WaitExit(id, f));
        return f;
    }

    @Override
    public Subscription subscribe(EventFilter filter, Instant since, EventSubscriber listener) {
        Objects.requireNonNull(listener, "listener");
        requireOpen();
        return bus.subscribe(filter == null ? EventFilter.ALL : filter, since, listener);
    }

    /** Tasks waiting on the event loop's queue. */
    public int queueDepth() {
        return loop.queueDepth();
    }

    /** Live event subscriptions. */
    public int subscriberCount() {
        return bus.subscriberCount();
    }

    /** The supervisor's metrics in Prometheus's text format, as of now. */
    public String metricsText() {
        java.util.Map<dev.nana.ContainerStatus, Integer> by =
                new java.util.EnumMap<>(dev.nana.ContainerStatus.class);
        for (ContainerInfo c : list())
            if (c.status() != null) by.merge(c.status(), 1, Integer::sum);
        return loop.metrics()
                .render(
                        new Metrics.Gauges(
                                by.getOrDefault(dev.nana.ContainerStatus.CREATED, 0),
                                by.getOrDefault(dev.nana.ContainerStatus.RUNNING, 0),
                                by.getOrDefault(dev.nana.ContainerStatus.PAUSED, 0),
                                by.getOrDefault(dev.nana.ContainerStatus.STOPPED, 0),
                                queueDepth(),
                                subscriberCount()));
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.post(new Task.Shutdown(done));
        try {
            done.get(10, TimeUnit.SECONDS);
            loop.join();
        } catch (Exception e) {
            log.warn("closing the event loop: {}", e.toString());
        }
        monitor.close();
        loop.releaseShims(); // the loop thread has ended, and no HUP is read any more
        starts.shutdownNow();
        workers.shutdown(); // queued work (a retired folder's removal) gets a moment; restore
        // finishes the rest
        persister.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
            persister.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        bus.close();
        journal.close();
        callbacks.shutdown();
        lock.close();
    }

    private void post(Task t) {
        requireOpen();
        loop.post(t);
    }

    /** Refuses a call on a closed supervisor (the remote one says the same). */
    private void requireOpen() {
        if (closed)
            throw new UnavailableException(
                    "this supervisor is closed: build a new one on " + state.root());
    }

    /**
     * Posts a task and waits for its answer. An interrupt ends the wait (the thread keeps its
     * interrupt) with CancellationException, as Future.get would; the task goes on.
     */
    private <T> T call(Function<CompletableFuture<T>, Task> make) {
        CompletableFuture<T> f = new Core.Awaited<>(); // waited for here and handed to nobody
        post(make.apply(f));
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                r.addSuppressed(new Exception("called here"));
                throw r;
            }
            throw new CompletionException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            CancellationException c =
                    new CancellationException(
                            "interrupted while waiting for the supervisor; the operation may still"
                                    + " complete");
            c.initCause(e);
            throw c;
        }
    }

    private static ThreadFactory named(String prefix) {
        return Thread.ofPlatform().name(prefix, 1).daemon().factory();
    }

    /**
     * A malformed id is refused as such (naming it), not looked up: no request carries a path or
     * control character further.
     */
    private static void requireId(String id) {
        dev.nana.ContainerId.require(id, "container id");
    }

    /**
     * Checks a spec (touching nothing); its runtime's calls bounded by this supervisor's timeout.
     */
    private Launcher.Resolved resolve(ContainerSpec spec) {
        Launcher.Resolved r = Launcher.resolve(spec, defaultRuntime);
        if (spec.image() != null) ImageSupport.bundles().check(spec.image(), state.root());
        return new Launcher.Resolved(
                r.spec(), r.runtime().withTimeout(timeout), r.bundle(), r.config());
    }

    /** Configures a {@link LocalSupervisor}. */
    public static final class Builder {
        private Path stateDir = StateDir.DEFAULT;
        private String defaultRuntime = "runc";
        private int maxConcurrentStarts = DEFAULT_MAX_CONCURRENT_STARTS;
        private Duration timeout = Duration.ofSeconds(60);
        private long journalMaxBytes = Journal.DEFAULT_MAX_BYTES;
        private int subscriberQueue = EventBus.DEFAULT_QUEUE;
        private Duration lockWait = Duration.ZERO;
        private boolean daemon;
        private boolean fastStart = true;

        private Builder() {}

        /**
         * How long to wait for another supervisor on the same state directory to let go (default:
         * not at all). A short-lived CLI supervisor waits for another CLI's.
         */
        public Builder lockWait(Duration wait) {
            this.lockWait = Objects.requireNonNull(wait);
            return this;
        }

        /**
         * This supervisor serves a daemon: within lockWait it waits for a CLI that works in-process
         * to let go of the state directory (one may have taken it while no daemon ran), but another
         * daemon is refused at once.
         */
        public Builder daemon(boolean d) {
            this.daemon = d;
            return this;
        }

        /** The state directory (default /run/nana; a tmpfs is best). */
        public Builder stateDir(Path dir) {
            this.stateDir = Objects.requireNonNull(dir);
            return this;
        }

        /** The runtime for specs that name none: runc, crun or an absolute path (default runc). */
        public Builder defaultRuntime(String nameOrPath) {
            this.defaultRuntime = Objects.requireNonNull(nameOrPath);
            return this;
        }

        /** Creates and starts under way at once (default 10). */
        public Builder maxConcurrentStarts(int n) {
            if (n < 1)
                throw new InvalidArgumentException(
                        "max concurrent starts " + n + " must be at least 1");
            this.maxConcurrentStarts = n;
            return this;
        }

        /**
         * How long any runtime call may take: create and start (through the shim), kill, delete,
         * pause, update, checkpoint (default 60 s). Past it the call and all it started are killed,
         * and the operation fails saying the runtime hangs.
         */
        public Builder timeout(Duration t) {
            if (t.isNegative() || t.isZero())
                throw new InvalidArgumentException("timeout " + t + " must be positive");
            this.timeout = t;
            return this;
        }

        /**
         * Whether runc and crun containers are started by their shim through the runtime's exec
         * FIFO, as {@code runc start} and {@code crun start} do, instead of by a second runtime
         * process (default true). Any other runtime, or a bundle with poststart hooks, starts
         * through {@code <runtime> start} either way.
         */
        public Builder fastStart(boolean on) {
            this.fastStart = on;
            return this;
        }

        /** Size at which events.log rotates (default 16 MiB). */
        public Builder journalMaxBytes(long bytes) {
            this.journalMaxBytes = bytes;
            return this;
        }

        /** Events buffered per subscriber before it catches up from the journal (default 4096). */
        public Builder subscriberQueue(int n) {
            this.subscriberQueue = n;
            return this;
        }

        /** Locks the state directory, restores what is in it, and starts serving. */
        public LocalSupervisor build() {
            return new LocalSupervisor(this);
        }
    }
}
