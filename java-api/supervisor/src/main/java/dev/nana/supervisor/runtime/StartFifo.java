package dev.nana.supervisor.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nana.oci.Spec;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * How nana-shim can start a created container itself, without a second runtime process: runc and
 * crun hold the container's init on {@code <root>/<id>/exec.fifo} after create, and their {@code
 * start} only releases it (runc's start reads it, crun's writes it; see
 * native/src/shim/startfifo.h). nana-shim does the same, so a container costs the runtime one
 * process, as {@code run -d} does, while the OOM watch is still armed between create and start. Any
 * other runtime, or a bundle with poststart hooks (crun runs them at start), starts through {@code
 * <runtime> start}; so does a container whose FIFO is not there.
 *
 * @param shimOption the shim's option: {@code --start-fifo-read} (runc) or {@code
 *     --start-fifo-write} (crun)
 * @param path the FIFO
 */
public record StartFifo(String shimOption, Path path) {
    /** Where runc and crun keep their state when run as root with no --root. */
    private static final Path RUNC_ROOT = Path.of("/run/runc");

    private static final Path CRUN_ROOT = Path.of("/run/crun");

    /** The shim's arguments for this path. */
    public List<String> shimArgs() {
        return List.of(shimOption, path.toString());
    }

    /** The fast path for this container, or empty when it must start through the runtime. */
    public static Optional<StartFifo> of(
            OciRuntime runtime, List<String> runtimeArgs, String id, Spec config) {
        String binary = runtime.binary().getFileName().toString();
        boolean runc =
                binary.equals("runc") || binary.startsWith("runc.") || binary.startsWith("runc-");
        boolean crun =
                binary.equals("crun") || binary.startsWith("crun.") || binary.startsWith("crun-");
        if (!runc && !crun) return Optional.empty();
        // hooks are nana's to pass on, not to model: a poststart hook runs at `runtime start`
        JsonNode hooks = config == null ? null : config.other().get("hooks");
        JsonNode poststart = hooks == null ? null : hooks.path("poststart");
        if (poststart != null && poststart.isArray() && !poststart.isEmpty())
            return Optional.empty();
        Path root = root(runtimeArgs).orElse(runc ? RUNC_ROOT : CRUN_ROOT);
        if (!root.isAbsolute())
            return Optional.empty(); // relative to the runtime's cwd: leave it to the runtime
        return Optional.of(
                new StartFifo(
                        runc ? "--start-fifo-read" : "--start-fifo-write",
                        root.resolve(id).resolve("exec.fifo")));
    }

    /**
     * The global --root the runtime is given, as "--root X" or "--root=X"; the last one wins, as in
     * the runtimes.
     */
    static Optional<Path> root(List<String> runtimeArgs) {
        Path root = null;
        for (int i = 0; i < runtimeArgs.size(); i++) {
            String a = runtimeArgs.get(i);
            if (a.equals("--root") && i + 1 < runtimeArgs.size())
                root = Path.of(runtimeArgs.get(++i));
            else if (a.startsWith("--root=")) root = Path.of(a.substring("--root=".length()));
        }
        return Optional.ofNullable(root);
    }
}
