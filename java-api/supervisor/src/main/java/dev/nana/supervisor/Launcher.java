package dev.nana.supervisor;

import dev.nana.ContainerId;
import dev.nana.ContainerSpec;
import dev.nana.NanaException;
import dev.nana.UnavailableException;
import dev.nana.oci.Spec;
import dev.nana.oci.SpecOpts;
import dev.nana.supervisor.bundle.Bundle;
import dev.nana.supervisor.os.Mounts;
import dev.nana.supervisor.runtime.OciRuntime;
import dev.nana.supervisor.runtime.StartFifo;
import dev.nana.supervisor.shim.ProcessDir;
import dev.nana.supervisor.shim.Shim;
import dev.nana.supervisor.shim.ShimHandle;
import dev.nana.supervisor.shim.ShimSpec;
import dev.nana.supervisor.state.ContainerRecord;
import dev.nana.supervisor.state.StateDir;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Puts a container on disk and starts its shim, in steps: {@link #resolve} checks everything
 * without touching anything; {@link #prepare} claims the id and writes the state; {@link #launch}
 * spawns the shim. A failure at any step undoes the earlier ones, so a failed create leaves no
 * folder, no shim and no runtime state.
 */
public final class Launcher {
    /**
     * A folder being deleted is first renamed to this prefix: a delete cut short is finished by
     * restore.
     */
    static final String DELETING = ".deleting-";

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Launcher.class);

    private final StateDir state;
    private final boolean fastStart;

    /**
     * Ids whose runtime state is being deleted after their delete was answered (see {@link
     * #forget}).
     */
    private final Map<String, CompletableFuture<Void>> forgetting = new ConcurrentHashMap<>();

    public Launcher(StateDir state) {
        this(state, true);
    }

    /**
     * @param fastStart whether shims start runc and crun containers through the runtime's exec FIFO
     *     (see {@link StartFifo}) instead of a {@code <runtime> start} process
     */
    public Launcher(StateDir state, boolean fastStart) {
        this.state = state.ensure();
        this.fastStart = fastStart;
    }

    public StateDir state() {
        return state;
    }

    /** The folder, in a container's, of the bundle made from its image (ContainerSpec#image). */
    static final String IMAGE_BUNDLE = "image";

    /** A spec with everything checked: the runtime found, the bundle read, nana's config built. */
    public record Resolved(ContainerSpec spec, OciRuntime runtime, Path bundle, Spec config) {}

    /**
     * A container whose folder, state.json and config exist, and whose shim is not yet started;
     * startFifo is how its shim will start it without the runtime, or null.
     */
    public record Prepared(
            ContainerRecord record,
            Path dir,
            ProcessDir init,
            OciRuntime runtime,
            ContainerSpec spec,
            StartFifo startFifo) {}

    /**
     * Checks a spec; touches nothing. Errors name the field and the fix. The bundle of a spec that
     * names an image is made when the container is prepared (bundle and config null until then).
     */
    public static Resolved resolve(ContainerSpec spec, String defaultRuntime) {
        ContainerId.require(spec.id(), "container id");
        dev.nana.Limits.checkLabels(spec.id(), spec.labels());
        OciRuntime runtime =
                OciRuntime.resolve(spec.runtime() != null ? spec.runtime() : defaultRuntime);
        if (spec.image() != null) return new Resolved(spec, runtime, null, null);
        Bundle bundle = Bundle.open(spec.bundle());
        return new Resolved(spec, runtime, bundle.dir(), bundle.configWith(overrides(spec)));
    }

    private static Bundle.Overrides overrides(ContainerSpec spec) {
        return new Bundle.Overrides(
                spec.args(),
                spec.env(),
                spec.cwd(),
                spec.terminal() ? Boolean.TRUE : null,
                spec.memoryLimitBytes(),
                spec.hostNetwork());
    }

    /** Claims the id, writes state.json and nana's config, makes the process folder. */
    public Prepared prepare(Resolved r) {
        ContainerSpec spec = r.spec();
        awaitForgotten(spec.id());
        Path dir = state.claim(spec.id());
        try {
            Path bundle = r.bundle();
            Spec config = r.config();
            if (spec.image() != null) {
                bundle = Files.createDirectory(dir.resolve(IMAGE_BUNDLE));
                ImageSupport.bundles().prepare(spec.image(), state.root(), bundle);
                config = Bundle.open(bundle).configWith(overrides(spec));
            }
            Path ownBundle = Files.createDirectory(dir.resolve("bundle"));
            Bundle.writeConfig(ownBundle, config);
            ContainerRecord record =
                    new ContainerRecord(
                            spec.id(),
                            newUid(),
                            bundle,
                            r.runtime().name(),
                            r.runtime().binary(),
                            spec.runtimeArgs(),
                            spec.labels(),
                            Instant.now());
            StateFiles.write(dir.resolve("state.json"), record);
            ProcessDir init = new ProcessDir(dir.resolve(Proc.INIT));
            init.create();
            if (spec.openStdin()) init.createStdinFifo(); // Supervisor.input writes to it
            StartFifo startFifo =
                    fastStart
                            ? StartFifo.of(r.runtime(), spec.runtimeArgs(), spec.id(), config)
                                    .orElse(null)
                            : null;
            return new Prepared(record, dir, init, r.runtime(), spec, startFifo);
        } catch (RuntimeException e) {
            removeQuietly(dir);
            throw e;
        } catch (IOException e) {
            removeQuietly(dir);
            throw new UnavailableException(
                    "create \""
                            + spec.id()
                            + "\": write its state in \""
                            + dir
                            + "\": "
                            + e.getMessage(),
                    e);
        }
    }

    /** Spawns the shim; returns once the container is created (and started, with startNow). */
    public ShimHandle launch(Prepared p, boolean startNow, Duration timeout) {
        return launch(p, startNow, timeout, null, null);
    }

    /**
     * The same, or with restoreImage, restores the container from a CRIU image with the given CRIU
     * binary (it then runs at once).
     */
    public ShimHandle launch(
            Prepared p, boolean startNow, Duration timeout, Path restoreImage, Path criu) {
        ContainerSpec spec = p.spec();
        List<String> runtimeArgs = new ArrayList<>();
        if (restoreImage != null) runtimeArgs.addAll(List.of("--criu", criu.toString()));
        runtimeArgs.addAll(spec.runtimeArgs());
        ShimSpec shim =
                new ShimSpec(
                        spec.id(),
                        p.dir().resolve("bundle"),
                        null,
                        p.runtime(),
                        runtimeArgs,
                        spec.openStdin() ? p.init().stdinFifo() : spec.stdio().stdin(),
                        spec.stdio().stdout(),
                        spec.stdio().stderr(),
                        spec.terminal(),
                        startNow,
                        ShimSpec.DEFAULT_LOG_MAX_SIZE,
                        spec.logFile(),
                        restoreImage,
                        restoreImage == null ? p.startFifo() : null);
        try {
            return Shim.launch(p.init(), shim, timeout);
        } catch (NanaException e) {
            abort(p);
            throw e;
        }
    }

    /**
     * Starts an exec process in a running container: its folder (the exec id's), its process.json
     * (the container's process with the exec's changes), its own shim in exec mode. A failure
     * removes the folder.
     */
    public ShimHandle launchExec(
            String id,
            Path containerDir,
            OciRuntime runtime,
            List<String> runtimeArgs,
            ProcessDir dir,
            dev.nana.ExecSpec spec,
            Duration timeout) {
        try {
            // the container's process, as its config has it, with the exec's changes
            Spec config =
                    Spec.read(
                            Files.readAllBytes(
                                    containerDir.resolve("bundle").resolve("config.json")));
            Spec exec = new Spec();
            exec.process = config.process;
            SpecOpts.withProcessArgs(spec.args()).apply(exec);
            if (!spec.env().isEmpty()) SpecOpts.withEnv(spec.env()).apply(exec);
            if (spec.cwd() != null) SpecOpts.withCwd(spec.cwd()).apply(exec);
            SpecOpts.withTerminal(spec.terminal()).apply(exec);
            if (spec.terminal() && spec.consoleRows() > 0 && spec.consoleCols() > 0) {
                // the pty has the caller's size from the first instruction: an exec starts at once
                SpecOpts.withConsoleSize(spec.consoleRows(), spec.consoleCols()).apply(exec);
            }
            if (spec.user() != null) {
                String[] ug = spec.user().split(":", -1);
                SpecOpts.withUser(
                                Long.parseLong(ug[0]),
                                ug.length > 1 ? Long.parseLong(ug[1]) : 0,
                                List.of())
                        .apply(exec);
            }
            dir.create();
            StateFiles.writeBytes(dir.processJson(), Spec.toJson(exec.process));
        } catch (IOException e) {
            removeQuietly(dir.dir());
            throw new UnavailableException(
                    "exec in \"" + id + "\": prepare \"" + dir.dir() + "\": " + e.getMessage(), e);
        }
        ShimSpec shim =
                new ShimSpec(
                        id,
                        null,
                        dir.processJson(),
                        runtime,
                        runtimeArgs,
                        spec.stdio().stdin(),
                        spec.stdio().stdout(),
                        spec.stdio().stderr(),
                        spec.terminal(),
                        false,
                        ShimSpec.DEFAULT_LOG_MAX_SIZE,
                        null,
                        null,
                        null);
        try {
            return Shim.launch(dir, shim, timeout);
        } catch (NanaException e) {
            removeQuietly(dir.dir());
            if (e instanceof dev.nana.FailedPreconditionException
                    && OciRuntime.gone(e.getMessage())) {
                // a race with its exit or a delete: nana's own words, not the runtime's
                throw new dev.nana.FailedPreconditionException(
                        "cannot exec in \""
                                + id
                                + "\": it is not running (it"
                                + " exited, or was deleted, meanwhile)",
                        e);
            }
            throw e;
        }
    }

    /** Undoes prepare (and a failed launch): runtime state and folder. */
    public void abort(Prepared p) {
        try {
            p.runtime().delete(p.spec().id(), p.spec().runtimeArgs(), true);
        } catch (NanaException e) {
            // nothing was created in the runtime
        }
        removeQuietly(p.dir());
    }

    /**
     * Retires a container whose processes are gone: renames its folder out of the way (the id is
     * free at once) and returns the new name. The rename is the commit point: after it the
     * container no longer exists. The caller journals DELETE, then {@link #forget}s the runtime's
     * state and the folder; restore does both for a delete that a crash cut between the two (see
     * {@link #DELETING}).
     */
    public Path retire(String id) {
        Path dir = state.container(id);
        Path doomed = dir.resolveSibling(DELETING + id + "-" + newUid());
        try {
            Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
            return doomed;
        } catch (IOException e) {
            throw new UnavailableException(
                    "delete \"" + id + "\": move \"" + dir + "\" aside: " + e.getMessage(), e);
        }
    }

    /**
     * After a retire: deletes the container from the runtime, then removes its folder. It runs
     * after the caller was answered (a {@code run --rm} need not wait for {@code runc delete}); a
     * create of the same id waits for it first ({@link #prepare}), since the runtime refuses an id
     * it still knows.
     */
    public void forget(
            String id,
            OciRuntime runtime,
            List<String> runtimeArgs,
            Path retired,
            Executor executor) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        forgetting.put(id, done);
        try {
            executor.execute(
                    () -> {
                        try {
                            runtime.delete(id, runtimeArgs, true);
                            removeQuietly(retired);
                            forgetting.remove(id, done);
                            done.complete(null);
                        } catch (RuntimeException e) {
                            // kept: a create of this id tries again first, and so does the next
                            // restore (the folder stays retired)
                            log.warn(
                                    "delete \"{}\" from {}: {} (tried again before the id is used again, and at the next start)",
                                    id,
                                    runtime.name(),
                                    e.getMessage());
                            done.completeExceptionally(new Retry(runtime, runtimeArgs, retired, e));
                        }
                    });
        } catch (RejectedExecutionException e) { // shut down: the next start's restore does it
            forgetting.remove(id, done);
            done.complete(null);
        }
    }

    /** A runtime delete after the answer that failed: what it takes to try again. */
    private static final class Retry extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient OciRuntime runtime;
        final transient List<String> runtimeArgs;
        final transient Path retired;

        Retry(OciRuntime runtime, List<String> runtimeArgs, Path retired, RuntimeException cause) {
            super(cause.getMessage(), cause, false, false);
            this.runtime = runtime;
            this.runtimeArgs = runtimeArgs;
            this.retired = retired;
        }
    }

    /**
     * Waits until a delete of this id still under way in the runtime is done; one that failed is
     * tried once more, and if the runtime still refuses, so does this create.
     */
    private void awaitForgotten(String id) {
        CompletableFuture<Void> pending = forgetting.get(id);
        if (pending == null) return;
        try {
            pending.join();
        } catch (CompletionException e) {
            if (!(e.getCause() instanceof Retry retry)) throw e;
            retry.runtime.delete(
                    id,
                    retry.runtimeArgs,
                    true); // throws with the runtime's word if it still fails
            removeQuietly(retry.retired);
            forgetting.remove(id, pending);
        }
    }

    private static String newUid() {
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    /** Whether a container's folder holds a bundle made from an image (its root filesystem). */
    static boolean madeFromImage(Path dir) {
        return Files.isDirectory(dir.resolve(IMAGE_BUNDLE));
    }

    static void removeQuietly(Path dir) {
        try {
            // a container made from an image: its root filesystem is mounted in its folder
            if (madeFromImage(dir)) Mounts.unmountUnder(dir);
            StateDir.deleteTree(dir);
        } catch (IOException e) {
            // the caller reports its own error; restore sets such a folder aside
        }
    }
}
