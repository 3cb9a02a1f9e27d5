package dev.nana.cli;

import dev.nana.Stdio;
import dev.nana.spi.CommandRunner.Terminal;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import dev.nana.supervisor.os.OutputPump;
import dev.nana.supervisor.shim.ShimProtocol;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A client's end of a process's stdio (run, exec, attach): FIFOs in a private folder whose read
 * ends are open — and copied to the caller's stdout and stderr — before the shim starts, so nothing
 * written early is lost.
 */
record ClientStdio(Stdio stdio, List<OutputPump> pumps) implements AutoCloseable {
    static final ClientStdio NONE = new ClientStdio(Stdio.NONE, List.of());

    /**
     * A fresh private folder for one command's FIFOs, under the state directory's {@link
     * StateDir#STDIO} (as containerd keeps its FIFOs under /run/containerd/fifo); under the
     * system's temporary folder when this user may not write there.
     */
    static Path folder(NanaCommand nana, String prefix) throws IOException {
        Path parent = Nana.stateDir(nana).resolve(StateDir.STDIO);
        try {
            Files.createDirectories(parent);
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
            return Files.createTempDirectory(parent, prefix);
        } catch (IOException e) {
            return Files.createTempDirectory(prefix);
        }
    }

    /** FIFOs in dir: stdin if asked, stdout, and stderr unless a terminal merges it into stdout. */
    static ClientStdio open(Path dir, boolean stdin, boolean stderr, Io io) throws OsException {
        Stdio stdio =
                new Stdio(
                        stdin ? dir.resolve("stdin") : null,
                        dir.resolve("stdout"),
                        stderr ? dir.resolve("stderr") : null);
        for (Path p : new Path[] {stdio.stdin(), stdio.stdout(), stdio.stderr()})
            if (p != null) LibNana.mkfifo(p, 0600);
        List<OutputPump> pumps = new ArrayList<>();
        pumps.add(OutputPump.start("stdout", LibNana.fifoOpenRead(stdio.stdout()), io.out));
        if (stdio.stderr() != null)
            pumps.add(OutputPump.start("stderr", LibNana.fifoOpenRead(stdio.stderr()), io.err));
        return new ClientStdio(stdio, pumps);
    }

    /** Waits until the shim closed the output FIFOs (it exited, or another client attached). */
    void join(long millis) throws InterruptedException {
        for (OutputPump p : pumps) p.join(millis);
    }

    /**
     * Lets go of the output FIFOs (a command that ends before its process: detached, interrupted,
     * its client gone): the shim stops holding the process back for this reader, and writes to the
     * log alone.
     */
    @Override
    public void close() {
        for (OutputPump p : pumps) p.stop();
        try {
            // a pump in a write to a client that went away gives up within its check interval;
            // the descriptors it writes to close after this
            for (OutputPump p : pumps) p.join(STOP_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final long STOP_WAIT_MILLIS = 2000;

    /** The caller's output that went away under a pump (its reader exited), if one did. */
    Optional<OutputGone> gone() {
        return pumps.stream()
                .map(OutputPump::failure)
                .filter(f -> f instanceof OutputGone)
                .map(f -> (OutputGone) f)
                .findFirst();
    }

    /**
     * Says on err when the caller's output could not take the process's (a full disk, an I/O
     * error), and gives the exit code to return then: 125, nana's own failure, instead of the
     * process's, which wrote everything. A reader that went away ({@code | head}) is no failure.
     */
    int exitCode(int processCode, String what, java.io.PrintWriter err) {
        for (OutputPump p : pumps) {
            IOException f = p.failure();
            if (f != null && !(f instanceof OutputGone)) {
                err.println("nana: writing the output of " + what + " failed: " + f.getMessage());
                return NanaCommand.EXIT_NANA_FAILED;
            }
        }
        return processCode;
    }

    /** Sends the caller's terminal size to a process's control FIFO ("resize ROWS COLS"). */
    static Runnable resizer(Terminal terminal, Path control) {
        return () -> {
            int[] size = terminal.size();
            if (size == null) return;
            try (Fd c = LibNana.fifoOpenReadWrite(control)) {
                LibNana.writeFully(c, ShimProtocol.resize(size[0], size[1]));
            } catch (Exception e) {
                // it has exited
            }
        };
    }
}
