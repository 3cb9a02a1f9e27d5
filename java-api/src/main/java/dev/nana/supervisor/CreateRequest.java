package dev.nana.supervisor;

import dev.nana.bundle.Bundle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What it takes to create one container.
 *
 * @param id container id
 * @param bundle the user's bundle directory (absolute)
 * @param runtime runtime name (runc, crun) or absolute path
 * @param runtimeArgs per-container global runtime args
 * @param overrides changes to config.json, applied to nana's own copy
 * @param stdioFifos make stdin/stdout/stderr FIFOs in the process folder for a client
 * @param stdin with stdioFifos: a stdin FIFO too
 * @param startNow start right after create (run)
 * @param timeout how long the runtime may take to create and start
 */
public record CreateRequest(String id, Path bundle, String runtime, List<String> runtimeArgs,
        Bundle.Overrides overrides, boolean stdioFifos, boolean stdin, boolean startNow, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public CreateRequest {
        runtimeArgs = List.copyOf(runtimeArgs);
    }
}
