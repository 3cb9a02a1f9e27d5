package dev.nana.cli;

import dev.nana.supervisor.os.OsException;
import dev.nana.supervisor.shim.ProcessDir;
import dev.nana.supervisor.shim.ShimExit;
import dev.nana.supervisor.shim.ShimHandle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Waits for a container's exit without holding the state directory: straight on its exit FIFO, as
 * any process may. An in-process CLI closes its supervisor as soon as the container runs, so that
 * other CLIs (and a daemon) are not kept waiting while it streams output.
 */
final class ExitWatch {
    private ExitWatch() {}

    static ShimExit await(Path stateDir, String id) throws OsException {
        return await(new ProcessDir(stateDir.resolve(id).resolve("init")), id);
    }

    /** The same for any process folder (an exec's). */
    static ShimExit await(ProcessDir dir, String id) throws OsException {
        Optional<ShimHandle> shim = ShimHandle.attach(dir, id);
        if (shim.isEmpty()) return ShimExit.of(dir);
        try (ShimHandle h = shim.get()) {
            return h.awaitExit(Duration.ofDays(36500)).orElseThrow();
        }
    }
}
