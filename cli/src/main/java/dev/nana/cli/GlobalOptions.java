package dev.nana.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command takes, also from the environment, so several nanas can share a host. */
final class GlobalOptions {
    @Option(names = "--address", paramLabel = "SOCKET", scope = ScopeType.INHERIT,
            defaultValue = "${NANA_ADDRESS:-/run/nana/nana.sock}",
            description = "the daemon's socket; without a daemon there, nana works in-process (default: ${DEFAULT-VALUE})")
    Path address;

    @Option(names = "--state-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            defaultValue = "${NANA_STATE_DIR:-/run/nana}",
            description = "state directory, used when no daemon listens (default: ${DEFAULT-VALUE})")
    Path stateDir;
}
