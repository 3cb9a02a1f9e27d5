package dev.nana.supervisor.shim;

import dev.nana.supervisor.runtime.OciRuntime;
import dev.nana.supervisor.runtime.StartFifo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one nana-shim is asked to do: create (bundle) or exec (process.json) one process.
 *
 * @param id container id
 * @param bundle the bundle the runtime creates from (create), or null for an exec
 * @param execProcess the process.json to run in the container (exec), or null for a create
 * @param runtime the OCI runtime
 * @param runtimeArgs per-container global runtime args (e.g. --root)
 * @param stdin client FIFO for stdin, or null
 * @param stdout client FIFO for stdout, or null (the output log has everything anyway)
 * @param stderr client FIFO for stderr, or null
 * @param terminal allocate a pty
 * @param startNow start right after create (run), instead of waiting for "start"
 * @param logMaxSize bytes per output log file before it rotates
 * @param criLog a file to write the output to in the Kubernetes CRI log format too, or null
 * @param restoreImage a CRIU image to restore the container from instead of creating it, or null
 * @param startFifo how the shim starts the container without {@code <runtime> start}, or null to
 *     use it
 */
public record ShimSpec(
        String id,
        Path bundle,
        Path execProcess,
        OciRuntime runtime,
        List<String> runtimeArgs,
        Path stdin,
        Path stdout,
        Path stderr,
        boolean terminal,
        boolean startNow,
        long logMaxSize,
        Path criLog,
        Path restoreImage,
        StartFifo startFifo) {
    public static final long DEFAULT_LOG_MAX_SIZE = 16L << 20;

    public ShimSpec {
        runtimeArgs = List.copyOf(runtimeArgs);
        if ((bundle == null) == (execProcess == null)) {
            throw new IllegalArgumentException(
                    "a shim takes exactly one of bundle (create) and execProcess (exec)");
        }
        if (startFifo != null && (bundle == null || restoreImage != null)) {
            throw new IllegalArgumentException(
                    "a start FIFO starts a created container: not an exec or a restore");
        }
    }

    /** nana-shim's command line for this spec. */
    List<String> argv(Path shimBinary, int syncFd) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                shimBinary.toString(),
                                "--id",
                                id,
                                "--runtime",
                                runtime.binary().toString()));
        if (bundle != null) a.addAll(List.of("--bundle", bundle.toString()));
        if (execProcess != null) a.addAll(List.of("--exec", execProcess.toString()));
        if (restoreImage != null) a.addAll(List.of("--restore", restoreImage.toString()));
        for (String arg : runtimeArgs) a.addAll(List.of("--runtime-arg", arg));
        if (stdin != null) a.addAll(List.of("--stdin", stdin.toString()));
        if (stdout != null) a.addAll(List.of("--stdout", stdout.toString()));
        if (stderr != null) a.addAll(List.of("--stderr", stderr.toString()));
        if (terminal) a.add("--terminal");
        if (startNow) a.add("--start-now");
        if (runtime.unshareCgroup2()) a.add("--unshare-cgroup2");
        if (startFifo != null) a.addAll(startFifo.shimArgs());
        if (criLog != null) a.addAll(List.of("--cri-log", criLog.toString()));
        a.addAll(
                List.of(
                        "--log-max-size",
                        Long.toString(logMaxSize),
                        "--sync-fd",
                        Integer.toString(syncFd)));
        return a;
    }
}
