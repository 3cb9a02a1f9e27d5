package dev.nana.supervisor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nana.ContainerId;
import dev.nana.NanaException;
import dev.nana.UnavailableException;
import dev.nana.bundle.Bundle;
import dev.nana.runtime.OciRuntime;
import dev.nana.shim.ProcessDir;
import dev.nana.shim.Shim;
import dev.nana.shim.ShimHandle;
import dev.nana.shim.ShimSpec;
import dev.nana.state.StateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Creates a container on disk and starts its shim, in two steps so that a client can
 * open the stdio FIFOs between them; and deletes it. Everything is checked before
 * anything is created, and a failure at any point leaves no folder, no shim and no
 * runtime state behind.
 */
public final class Launcher {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final StateDir state;

    public Launcher(StateDir state) {
        this.state = state.ensure();
    }

    /** A container whose folder, config and FIFOs exist, and whose shim is not yet started. */
    public record Prepared(String id, Path dir, ProcessDir init, OciRuntime runtime, CreateRequest request) {}

    /** Step 1: validate, claim the id, write state.json and nana's config, make the FIFOs. */
    public Prepared prepare(CreateRequest r) {
        ContainerId.require(r.id(), "container id");
        OciRuntime runtime = OciRuntime.resolve(r.runtime());
        Bundle bundle = Bundle.open(r.bundle());
        ObjectNode config = bundle.configWith(r.overrides());
        Path dir = state.claim(r.id());
        try {
            Path ownBundle = Files.createDirectory(dir.resolve("bundle"));
            Bundle.writeConfig(ownBundle, config);
            ObjectNode st = JSON.createObjectNode();
            st.put("id", r.id()).put("bundle", bundle.dir().toString()).put("runtime", runtime.name())
                    .put("runtimeBinary", runtime.binary().toString()).put("createdAt", Instant.now().toString());
            r.runtimeArgs().forEach(st.putArray("runtimeArgs")::add);
            Path tmp = dir.resolve("state.json.tmp");
            JSON.writeValue(tmp.toFile(), st);
            Files.move(tmp, dir.resolve("state.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            ProcessDir init = new ProcessDir(dir.resolve("init"));
            init.create();
            if (r.stdioFifos()) init.createStdioFifos(r.stdin());
            return new Prepared(r.id(), dir, init, runtime, r);
        } catch (IOException e) {
            removeQuietly(dir);
            throw new UnavailableException("create \"" + r.id() + "\": write its state in \"" + dir + "\": " + e.getMessage(), e);
        }
    }

    /** Step 2: spawn the shim; returns once the container is created (and started with startNow). */
    public ShimHandle launch(Prepared p) {
        CreateRequest r = p.request();
        ProcessDir init = p.init();
        ShimSpec spec = new ShimSpec(p.id(), p.dir().resolve("bundle"), null, p.runtime(), r.runtimeArgs(),
                r.stdioFifos() && r.stdin() ? init.stdinFifo() : null,
                r.stdioFifos() ? init.stdoutFifo() : null, r.stdioFifos() ? init.stderrFifo() : null,
                Boolean.TRUE.equals(r.overrides().terminal()), r.startNow(), ShimSpec.DEFAULT_LOG_MAX_SIZE);
        try {
            return Shim.launch(init, spec, r.timeout());
        } catch (NanaException e) {
            abort(p);
            throw e;
        }
    }

    /** Undoes prepare (and a failed launch): runtime state and folder. */
    public void abort(Prepared p) {
        try {
            p.runtime().delete(p.id(), p.request().runtimeArgs(), true);
        } catch (NanaException e) {
            // nothing was created in the runtime
        }
        removeQuietly(p.dir());
    }

    /** Deletes a stopped (or, with force, running) container: runtime state, then its folder. */
    public void delete(String id, OciRuntime runtime, List<String> runtimeArgs, boolean force) {
        Path dir = state.container(id);
        runtime.delete(id, runtimeArgs, force);
        try {
            StateDir.deleteTree(dir);
        } catch (IOException e) {
            throw new UnavailableException("delete \"" + id + "\": remove \"" + dir + "\": " + e.getMessage(), e);
        }
    }

    private static void removeQuietly(Path dir) {
        try {
            StateDir.deleteTree(dir);
        } catch (IOException e) {
            // reported by the caller's own error; a later restore sets it aside
        }
    }
}
