package dev.nana;

import dev.nana.spi.LocalSettings;
import dev.nana.spi.LocalSupervisorFactory;
import dev.nana.spi.RemoteSupervisorFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * nana's API: runs OCI containers through runc, crun or another runtime, each watched by its own
 * nana-shim. {@link #builder()} gives a supervisor in this process (dev.nana:nana-supervisor on the
 * class path); {@link #connect(Path)} one that forwards to a nana daemon (dev.nana:nana-client).
 * Both behave the same: the same checks, results and exceptions.
 *
 * <p>A supervisor keeps nothing only in memory: everything is in its state directory. Closing it
 * (or killing its process) leaves every container running; a new supervisor on the same directory
 * restores them all and reports what happened meanwhile. Errors are the {@link NanaException}
 * family; every message names the container and what to do.
 *
 * <p>A supervisor is thread-safe: any thread may call it, and calls from many threads proceed
 * together (creates and starts are bounded by {@link Builder#maxConcurrentStarts}). Its own threads
 * are daemon threads: a program that forgets {@link #close()} still exits.
 *
 * <pre>{@code
 * try (Supervisor nana = Supervisor.builder().stateDir(Path.of("/run/my-service")).build()) {
 *     nana.run(ContainerSpec.builder("hello", Path.of("/bundles/busybox")).args("echo", "hi").build());
 *     ExitStatus exit = nana.waitForExit("hello").join();
 *     nana.delete("hello", false);
 * }
 * }</pre>
 */
public interface Supervisor extends ProcessControl, AutoCloseable {
    /**
     * An in-process supervisor, configured by the returned builder.
     *
     * @return a builder with the defaults: state directory /run/nana, runtime runc, 10 starts at
     *     once, 60 s per runtime call
     */
    static Builder builder() {
        return new Builder();
    }

    /**
     * The supervisor of a nana daemon, over gRPC on its unix socket (the daemon's default is
     * /run/nana/nana.sock). Needs dev.nana:nana-client on the class path.
     *
     * @param socket the daemon's unix socket
     * @return a supervisor that forwards every call to that daemon; close it when done
     * @throws UnavailableException at once, when no daemon answers there (nothing there, not a
     *     socket, or no one listening), or when nana-client is not on the class path
     */
    static Supervisor connect(Path socket) {
        Objects.requireNonNull(socket, "socket");
        QuietLogging.whenNoProvider();
        RemoteSupervisorFactory f =
                ServiceLoader.load(RemoteSupervisorFactory.class, Supervisor.class.getClassLoader())
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new UnavailableException(
                                                "Supervisor.connect needs nana's client: add the"
                                                        + " dependency dev.nana:nana-client"));
        return f.connect(socket);
    }

    /**
     * Creates a container: its process exists, the user's program waits for {@link #start}.
     *
     * @param spec what to create
     * @return the container, CREATED
     * @throws AlreadyExistsException when the id is taken
     * @throws InvalidArgumentException when the bundle or the runtime cannot be used
     * @throws FailedPreconditionException when the runtime refuses it (its message says why)
     */
    ContainerInfo create(ContainerSpec spec);

    /**
     * Starts a created container's program.
     *
     * @param id the container
     * @return the container, RUNNING
     * @throws NotFoundException when there is no such container
     * @throws FailedPreconditionException when it is not CREATED
     */
    ContainerInfo start(String id);

    /**
     * Creates and starts in one step.
     *
     * @param spec what to run
     * @return the container, RUNNING (or STOPPED already, for a quick program)
     * @throws AlreadyExistsException when the id is taken
     * @throws InvalidArgumentException when the bundle or the runtime cannot be used
     * @throws FailedPreconditionException when the runtime refuses it (its message says why)
     */
    ContainerInfo run(ContainerSpec spec);

    /**
     * Creates and starts a container, with a reader attached to its output from its first byte, and
     * returns its handle: {@code try (Container c = nana.launch(spec)) {...}} deletes it at the end
     * of the block. As with {@link Process}, the handle's {@link Container#output()} gets every
     * byte the container writes, stdout and stderr as they come; and as with a process's pipe, a
     * container whose output is not read waits once about 2 MiB are pending (read it, or close the
     * handle's output to let it run on into its log). A spec that names its own stdout FIFO ({@link
     * ContainerSpec.Builder#stdio}) gets no attached reader: its FIFO is that.
     *
     * @param spec what to run
     * @return its handle
     * @throws AlreadyExistsException when the id is taken
     */
    default Container launch(ContainerSpec spec) {
        if (spec.stdio().stdout() != null) return new ContainerHandle(this, run(spec).id(), null);
        String id = create(spec).id();
        InputStream output = null;
        try {
            output = attachOutput(id);
            start(id);
        } catch (RuntimeException e) {
            try {
                if (output != null) output.close();
                delete(id, true);
            } catch (IOException | RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        return new ContainerHandle(this, id, output);
    }

    /**
     * A handle on a container that exists.
     *
     * @param id the container
     * @return its handle
     * @throws NotFoundException when there is none with that id
     */
    default Container container(String id) {
        return new ContainerHandle(this, state(id).id(), null);
    }

    /**
     * Sends a signal to the container's init process, or to all its processes.
     *
     * @param id the container
     * @param signal its number, 1 to 64
     * @param all to every process in the container, not only its init
     * @throws NotFoundException when there is no such container
     * @throws FailedPreconditionException when it is not running
     */
    void kill(String id, int signal, boolean all);

    /**
     * Sends a signal to the container's init process.
     *
     * @param id the container
     * @param signal the signal
     */
    default void kill(String id, Signal signal) {
        kill(id, signal.number(), false);
    }

    /**
     * Runs an extra process in a running container, watched by its own shim. Its exit is an EXIT
     * event whose process is the exec id, always published before the container's own.
     *
     * @param id the container
     * @param spec the process
     * @return the exec's id and pid
     * @throws FailedPreconditionException when the container is not running (or is paused)
     */
    ExecInfo exec(String id, ExecSpec spec);

    /**
     * Runs an extra process in a container with its stdio connected to the handle it returns (its
     * stdin, stdout and stderr are the handle's streams), as {@link Container#launch(ExecSpec)}.
     * Through a daemon the streams go over one gRPC stream, so it works from any host the socket is
     * reached from.
     *
     * @param id the container
     * @param spec the process, with no stdio of its own (the handle is its stdio)
     * @return its handle
     * @throws NotFoundException when there is no such container
     * @throws FailedPreconditionException when it is not running
     * @throws InvalidArgumentException when the spec names stdio of its own
     */
    ExecHandle launch(String id, ExecSpec spec);

    /**
     * Freezes every process of a running container (the runtime's pause: the cgroup freezer).
     *
     * @param id the container
     * @return the container, PAUSED
     */
    ContainerInfo pause(String id);

    /**
     * Thaws a paused container.
     *
     * @param id the container
     * @return the container, RUNNING
     */
    ContainerInfo resume(String id);

    /**
     * Changes a live container's resource limits (the runtime's update).
     *
     * @param id the container
     * @param resources the limits to change; what it does not set stays as it is
     * @return the container
     * @throws InvalidArgumentException when resources change nothing
     */
    ContainerInfo update(String id, Resources resources);

    /**
     * The container's resource use now, from its cgroup.
     *
     * @param id the container
     * @return its cpu, memory, pids and block I/O figures
     */
    Stats stats(String id);

    /**
     * Checkpoints a running container with CRIU. Refused, before anything is touched, when CRIU or
     * the runtime cannot do it, with what to install.
     *
     * @param id the container
     * @param imagePath an absolute directory for the image
     * @param leaveRunning keep it running (else it stops)
     * @param criu the criu binary, or null for the one on PATH
     */
    void checkpoint(String id, Path imagePath, boolean leaveRunning, Path criu);

    /**
     * Creates a container from spec by restoring a CRIU image: it runs at once, watched like any
     * other.
     *
     * @param spec the container to create
     * @param imagePath the directory a checkpoint wrote
     * @param criu the criu binary, or null for the one on PATH
     * @return the container, RUNNING
     */
    ContainerInfo restore(ContainerSpec spec, Path imagePath, Path criu);

    /**
     * Deletes a container.
     *
     * @param id the container
     * @param force kill a running one first (else it is refused)
     * @throws FailedPreconditionException when it runs and force is false
     */
    void delete(String id, boolean force);

    /**
     * Deletes a container whose program has exited, as {@code run --rm} does: answered once the
     * container is gone from the list (and its DELETE journaled). The runtime's own cleanup
     * follows; should it fail, it is logged, and retried before the id is used again and at the
     * next restore. {@link #delete} waits for the runtime and reports its failure.
     *
     * @param id the container
     */
    default void remove(String id) {
        delete(id, true);
    }

    /**
     * Deletes a stopped or created container; a running one is refused.
     *
     * @param id the container
     */
    default void delete(String id) {
        delete(id, false);
    }

    /**
     * Deletes a container, killing it first if it runs.
     *
     * @param id the container
     */
    default void forceDelete(String id) {
        delete(id, true);
    }

    /**
     * A container's output as its log keeps it: its stdout and stderr as they came (interleaved, as
     * its shim logged them), from the first byte. Reading blocks while the container runs and has
     * written nothing new; the stream ends once it has exited and everything is read. Close it to
     * stop early. The same from a daemon as in-process.
     *
     * <p>The log never holds a container back, so it keeps a bounded tail (two files of 16 MiB): a
     * read where bytes are missing — rotated away before this reader began, or while it fell behind
     * — throws {@link OutputGapException} once with their exact count, and reading on continues
     * after the gap. Never silence. To get every byte, attach from the start instead ({@link
     * #launch}, or {@link #create}, {@link #attachOutput}, {@link #start}).
     *
     * @param id the container
     * @return its output, to read and close
     * @throws NotFoundException when there is no such container
     */
    InputStream output(String id);

    /**
     * Attaches a reader to a container's output from now on: its stdout and stderr as they come,
     * every byte from this moment (from the first, for a container not started yet), with the
     * semantics of a pipe: while this stream is not read, the container's writes wait. The stream
     * ends once the container has exited and everything is read. Closing it (or a reader that goes
     * away: a dead client, a cancelled gRPC stream) detaches it: the container's output goes to its
     * log alone again and never waits for anyone. Attaching again replaces the reader before, whose
     * stream then ends.
     *
     * @param id the container
     * @return its output from now on, to read and close
     * @throws NotFoundException when there is no such container
     * @throws FailedPreconditionException when it has exited ({@link #output} reads its log)
     */
    InputStream attachOutput(String id);

    /**
     * A container's stdin, when it was created with {@link ContainerSpec.Builder#openStdin()}.
     * Writes block while the container does not read (nothing piles up); closing the stream gives
     * it end-of-file. One stream at a time: closing any one closes the container's stdin.
     *
     * @param id the container
     * @return its stdin, to write and close
     * @throws NotFoundException when there is no such container
     * @throws FailedPreconditionException when it was created without openStdin
     */
    OutputStream input(String id);

    /**
     * Every container.
     *
     * @return a snapshot of each, in no particular order
     */
    List<ContainerInfo> list();

    /**
     * One container.
     *
     * @param id the container
     * @return a snapshot of it
     * @throws NotFoundException when there is no such container
     */
    ContainerInfo state(String id);

    /**
     * Subscribes to events. With {@code since}, first replays the journaled events strictly after
     * that time, then continues live, without gap or duplicate.
     *
     * @param filter which events
     * @param since replay from after this time, or null for live events only
     * @param listener called on the subscription's own thread, one event at a time
     * @return the subscription; close it to stop
     */
    Subscription subscribe(EventFilter filter, Instant since, EventSubscriber listener);

    /**
     * Subscribes to every event from now on.
     *
     * @param listener called on the subscription's own thread, one event at a time
     * @return the subscription; close it to stop
     */
    default Subscription subscribe(EventSubscriber listener) {
        return subscribe(EventFilter.ALL, null, listener);
    }

    /**
     * Subscribes to the events matching filter from now on.
     *
     * @param filter which events
     * @param listener called on the subscription's own thread, one event at a time
     * @return the subscription; close it to stop
     */
    default Subscription subscribe(EventFilter filter, EventSubscriber listener) {
        return subscribe(filter, null, listener);
    }

    /**
     * This supervisor with every blocking call bounded: past timeout a call throws {@link
     * DeadlineExceededException} (the operation itself may still complete). Calls that return a
     * future return it at once, as before. The view is lent: closing it closes nothing.
     *
     * <pre>{@code nana.withTimeout(Duration.ofSeconds(5)).run(spec);}</pre>
     *
     * @param timeout how long each blocking call may wait
     * @return the bounded view
     */
    default Supervisor withTimeout(Duration timeout) {
        return TimedSupervisor.of(this, timeout);
    }

    /**
     * Any call, made asynchronously: it runs on a virtual thread of its own and the future
     * completes with its result or its exception.
     *
     * <pre>{@code CompletableFuture<ContainerInfo> f = nana.async(s -> s.run(spec));}</pre>
     *
     * @param call what to do with this supervisor
     * @param <T> what it returns
     * @return a future of its result
     */
    default <T> CompletableFuture<T> async(Function<? super Supervisor, ? extends T> call) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofVirtual()
                .name("nana-async")
                .start(
                        () -> {
                            try {
                                f.complete(call.apply(this));
                            } catch (Throwable t) {
                                f.completeExceptionally(t);
                            }
                        });
        return f;
    }

    /** Stops supervising; containers keep running. */
    @Override
    void close();

    /**
     * Configures an in-process supervisor. {@link #build()} checks at once that libnana, nana-shim
     * and the default runtime can be had, and says which setting fixes each that cannot.
     */
    final class Builder {
        private Path stateDir = Path.of("/run/nana");
        private String defaultRuntime = "runc";
        private int maxConcurrentStarts = 10;
        private Duration timeout = Duration.ofSeconds(60);
        private Duration lockWait = Duration.ZERO;

        private Builder() {}

        /**
         * The state directory (default /run/nana, which the nana daemon uses too; give a service
         * its own). One supervisor at a time holds it; a tmpfs is best.
         *
         * @param dir the directory
         * @return this builder
         */
        public Builder stateDir(Path dir) {
            this.stateDir = Objects.requireNonNull(dir, "stateDir");
            return this;
        }

        /**
         * The runtime for specs that name none: runc, crun or an absolute path (default runc).
         *
         * @param nameOrPath runc, crun, or an absolute path
         * @return this builder
         */
        public Builder defaultRuntime(String nameOrPath) {
            this.defaultRuntime = Objects.requireNonNull(nameOrPath, "defaultRuntime");
            return this;
        }

        /**
         * Creates and starts under way at once (default 10: "10 at a time beats 100").
         *
         * @param n how many
         * @return this builder
         */
        public Builder maxConcurrentStarts(int n) {
            if (n < 1)
                throw new InvalidArgumentException(
                        "maxConcurrentStarts " + n + " must be at least 1");
            this.maxConcurrentStarts = n;
            return this;
        }

        /**
         * How long any one runtime call may take (default 60 s): past it the call and all it
         * started are killed, and the operation fails with {@link DeadlineExceededException}.
         *
         * @param t how long
         * @return this builder
         */
        public Builder timeout(Duration t) {
            if (t == null || t.isNegative() || t.isZero())
                throw new InvalidArgumentException("timeout " + t + " must be positive");
            this.timeout = t;
            return this;
        }

        /**
         * How long build waits for another process's supervisor to let go of the state directory
         * (default 0: build fails at once, naming the holder). The nana CLI waits, as it works
         * in-process for one command at a time.
         *
         * @param wait how long
         * @return this builder
         */
        public Builder lockWait(Duration wait) {
            if (wait == null || wait.isNegative())
                throw new InvalidArgumentException("lockWait " + wait + " must not be negative");
            this.lockWait = wait;
            return this;
        }

        /**
         * Locks the state directory, restores every container found in it, and starts serving.
         *
         * @throws UnavailableException when nana-supervisor is not on the class path, or libnana,
         *     nana-shim or the runtime cannot be had (the message names the fix), or another
         *     supervisor holds the state directory
         * @return the supervisor, serving
         */
        public Supervisor build() {
            QuietLogging.whenNoProvider();
            LocalSupervisorFactory f =
                    ServiceLoader.load(
                                    LocalSupervisorFactory.class, Supervisor.class.getClassLoader())
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new UnavailableException(
                                                    "Supervisor.builder().build() needs nana's"
                                                            + " in-process supervisor: add the"
                                                            + " dependency dev.nana:nana-supervisor,"
                                                            + " or connect to a daemon with"
                                                            + " Supervisor.connect"));
            return f.open(
                    new LocalSettings(
                            stateDir, defaultRuntime, maxConcurrentStarts, timeout, lockWait));
        }
    }
}
