package dev.nana;

import dev.nana.supervisor.LocalSupervisor;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * nana's API: runs OCI containers through runc, crun or another runtime, each watched by its own
 * nana-shim. The in-process implementation comes from {@link #builder()}.
 *
 * <p>A supervisor keeps nothing only in memory: everything is in its state directory. Closing it
 * (or killing its process) leaves every container running; a new supervisor on the same directory
 * restores them all and reports what happened meanwhile. Errors are the {@link NanaException}
 * family; every message names the container and what to do.
 *
 * <pre>{@code
 * try (Supervisor nana = Supervisor.builder().build()) {
 *     nana.run(ContainerSpec.builder("hello", Path.of("/bundles/busybox")).args("echo", "hi").build());
 *     ExitStatus exit = nana.waitForExit("hello").join();
 *     nana.delete("hello", false);
 * }
 * }</pre>
 */
public interface Supervisor extends AutoCloseable {
    /** An in-process supervisor on a state directory (default /run/nana). */
    static LocalSupervisor.Builder builder() {
        return LocalSupervisor.builder();
    }

    /**
     * The supervisor of a nana daemon, over gRPC on its unix socket (default /run/nana/nana.sock).
     * Needs nana-daemon (dev.nana:nana-daemon) on the class path.
     */
    static Supervisor connect(Path socket) {
        try {
            Class<?> remote = Class.forName("dev.nana.client.RemoteSupervisor");
            return (Supervisor) remote.getMethod("connect", Path.class).invoke(null, socket);
        } catch (ClassNotFoundException e) {
            throw new UnavailableException(
                    "Supervisor.connect needs the gRPC client: add dev.nana:nana-daemon to the class path");
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new UnavailableException(
                    "connect to \"" + socket + "\": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new UnavailableException("connect to \"" + socket + "\": " + e, e);
        }
    }

    /** Creates a container: its process exists, the user's program waits for {@link #start}. */
    ContainerInfo create(ContainerSpec spec);

    /** Starts a created container's program. */
    ContainerInfo start(String id);

    /** Creates and starts in one step. */
    ContainerInfo run(ContainerSpec spec);

    /** Sends a signal to the container's init process, or with {@code all} to all its processes. */
    void kill(String id, int signal, boolean all);

    /**
     * Runs an extra process in a running container, watched by its own shim. Its exit is an EXIT
     * event whose process is the exec id, always published before the container's own.
     */
    ExecInfo exec(String id, ExecSpec spec);

    /** Completes when the exec process has exited (at once if it has). */
    CompletableFuture<ExitStatus> waitForExec(String id, String execId);

    /** Freezes every process of a running container (the runtime's pause: the cgroup freezer). */
    ContainerInfo pause(String id);

    /** Thaws a paused container. */
    ContainerInfo resume(String id);

    /**
     * Changes a live container's resource limits (the runtime's update); null fields stay as they
     * are.
     */
    ContainerInfo update(String id, Resources resources);

    /** The container's resource use now, from its cgroup. */
    Stats stats(String id);

    /**
     * Checkpoints a running container with CRIU into imagePath (it stops, unless leaveRunning).
     * criu may be null to use the one on PATH. Refused, before anything is touched, when CRIU or
     * the runtime cannot do it, with what to install.
     */
    void checkpoint(String id, Path imagePath, boolean leaveRunning, Path criu);

    /**
     * Creates a container from spec by restoring a CRIU image: it runs at once, watched like any
     * other.
     */
    ContainerInfo restore(ContainerSpec spec, Path imagePath, Path criu);

    /** Deletes a stopped or created container; with {@code force}, kills a running one first. */
    void delete(String id, boolean force);

    /**
     * Deletes a container whose program has exited, as {@code run --rm} does: answered once the
     * container is gone from the list (and its DELETE journaled). The runtime's own cleanup
     * follows; should it fail, it is logged, and retried before the id is used again and at the
     * next restore. {@link #delete} waits for the runtime and reports its failure.
     */
    default void remove(String id) {
        delete(id, true);
    }

    /** Every container. */
    List<ContainerInfo> list();

    /** One container. */
    ContainerInfo state(String id);

    /** Completes when the container's init process has exited (at once if it has). */
    CompletableFuture<ExitStatus> waitForExit(String id);

    /**
     * Subscribes to events matching filter. With {@code since} (may be null), first replays the
     * journaled events strictly after that time, then continues live, without gap or duplicate.
     */
    Subscription subscribe(EventFilter filter, Instant since, EventListener listener);

    /** Stops supervising; containers keep running. */
    @Override
    void close();
}
