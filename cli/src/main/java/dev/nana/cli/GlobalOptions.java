package dev.nana.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Options every command takes, also from the environment (NANA_ADDRESS, NANA_STATE_DIR), so several
 * nanas can share a host. Defaults come from the caller's environment, which for a command
 * forwarded by the thin client is the client's, not the daemon's.
 */
final class GlobalOptions {
    static final String DEFAULT_ADDRESS = "/run/nana/nana.sock";
    static final String DEFAULT_STATE_DIR = "/run/nana";

    @Option(
            names = "--address",
            paramLabel = "SOCKET",
            scope = ScopeType.INHERIT,
            description =
                    "the daemon's socket: given, a daemon must answer there; by default"
                            + " ($NANA_ADDRESS, else "
                            + DEFAULT_ADDRESS
                            + ") nana works in-process when none does")
    Path address;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            scope = ScopeType.INHERIT,
            description =
                    "state directory, used when no daemon listens (default: $NANA_STATE_DIR, else "
                            + DEFAULT_STATE_DIR
                            + ")")
    Path stateDir;

    /** Whether --address was given: then it names a daemon, and no other nana may answer. */
    boolean addressGiven;

    /** Fills in what was not given, from io's environment, relative to io's working directory. */
    void resolve(Io io) {
        addressGiven = address != null;
        address =
                io.resolve(
                        address != null
                                ? address
                                : Path.of(io.env("NANA_ADDRESS", DEFAULT_ADDRESS)));
        stateDir =
                io.resolve(
                        stateDir != null
                                ? stateDir
                                : Path.of(io.env("NANA_STATE_DIR", DEFAULT_STATE_DIR)));
    }
}
