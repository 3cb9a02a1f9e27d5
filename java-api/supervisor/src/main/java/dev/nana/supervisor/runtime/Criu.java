package dev.nana.supervisor.runtime;

import dev.nana.FailedPreconditionException;
import dev.nana.UnavailableException;
import dev.nana.supervisor.os.Command;
import dev.nana.supervisor.os.OsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Checkpoint/restore needs a working CRIU and a runtime built with it. Both are checked before
 * anything is touched, and a refusal says exactly what is missing and how to fix it: on kernels
 * 6.13 and later CRIU must be 4.1 or newer (the vvar mapping was split), which Debian 12's criu
 * 3.17 is not; Debian's crun 1.8 is built without CRIU.
 */
public final class Criu {
    private Criu() {}

    /** The CRIU binary to use: the one given, or criu on PATH and in the sbin directories. */
    public static Path find(Path given) {
        if (given != null) {
            if (!Files.isExecutable(given)) {
                throw new FailedPreconditionException(
                        "CRIU \""
                                + given
                                + "\" is not an executable file: give the path of a CRIU >= 4.1");
            }
            return given;
        }
        for (String dir :
                (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/local/sbin")
                        .split(":", -1)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, "criu");
            if (Files.isExecutable(p)) return p;
        }
        throw new FailedPreconditionException(
                "checkpoint and restore need CRIU, and none is installed: install CRIU >= 4.1"
                        + " (scripts/setup installs Debian's), or give its path (the criu argument; --criu in the CLI)");
    }

    /**
     * Refuses, with the reason and the fix, unless criu check passes and the runtime knows
     * checkpoint.
     */
    public static Path require(OciRuntime runtime, Path given) {
        Path criu = find(given);
        Command.Result check = run(List.of(criu.toString(), "check"));
        if (!check.ok()) {
            throw new FailedPreconditionException(
                    "checkpoint and restore need a working CRIU, and \""
                            + criu
                            + " check\" fails on this machine: "
                            + lastLine(check.stderr() + check.stdout())
                            + ". Kernels 6.13 and later need CRIU >= 4.1 (Debian 12's criu 3.17 cannot run here):"
                            + " install one and give its path (the criu argument; --criu in the CLI)");
        }
        Command.Result help = run(List.of(runtime.binary().toString(), "checkpoint", "--help"));
        String said = (help.stdout() + help.stderr()).toLowerCase(Locale.ROOT);
        if (said.contains("unknown command") || said.contains("no help topic")) {
            throw new FailedPreconditionException(
                    "the runtime \""
                            + runtime.name()
                            + "\" ("
                            + runtime.binary()
                            + ") was built without CRIU: it has no checkpoint command. Use runc, or a crun built with CRIU");
        }
        return criu;
    }

    private static Command.Result run(List<String> argv) {
        try {
            return Command.run(argv, null);
        } catch (OsException e) {
            throw new UnavailableException("run " + argv.getFirst() + ": " + e.getMessage(), e);
        }
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n", -1);
        return lines.length == 0 ? "(no output)" : lines[lines.length - 1].strip();
    }
}
