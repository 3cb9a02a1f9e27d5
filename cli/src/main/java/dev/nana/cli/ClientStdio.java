package dev.nana.cli;

import dev.nana.ClientIo;
import dev.nana.NanaException;
import dev.nana.ProcessControl;
import dev.nana.ReaderGoneException;
import dev.nana.Stdio;
import dev.nana.spi.CommandRunner.Terminal;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/**
 * A command's end of its process's stdio (run, exec, attach): {@link ClientIo}'s FIFOs, copied to
 * the caller's stdout and stderr from before the process starts, and what the copying came to.
 */
final class ClientStdio implements AutoCloseable {
    /** No stdio to carry (a detached process): no FIFOs, nothing copied. */
    static final ClientStdio NONE = new ClientStdio(null);

    private final ClientIo.Fifos fifos;

    private ClientStdio(ClientIo.Fifos fifos) {
        this.fifos = fifos;
    }

    /** FIFOs for stdin if asked, stdout, and stderr unless a terminal merges it into stdout. */
    static ClientStdio open(NanaCommand nana, String prefix, boolean stdin, boolean stderr)
            throws IOException {
        ClientIo io = Nana.io(nana);
        return new ClientStdio(
                io.fifos(prefix, stdin, stderr, nana.io.copyOut(io), nana.io.copyErr(io)));
    }

    Stdio stdio() {
        return fifos == null ? Stdio.NONE : fifos.stdio();
    }

    /** The process's stdin, once its shim holds the FIFO (after create, exec or attach). */
    OutputStream openInput() throws IOException {
        return fifos.openInput();
    }

    /** Waits until the shim closed the output FIFOs (it exited, or another client attached). */
    void join(long millis) throws InterruptedException {
        if (fifos != null) fifos.join(millis);
    }

    /**
     * Lets go of the output FIFOs (a command that ends before its process: detached, interrupted,
     * its client gone): the shim stops holding the process back for this reader, and writes to the
     * log alone.
     */
    @Override
    public void close() {
        if (fifos != null) fifos.close();
    }

    /** The caller's output that went away under a copy (its reader exited), if one did. */
    Optional<OutputGone> gone() {
        return failure().filter(f -> f instanceof ReaderGoneException).map(OutputGone::new);
    }

    private Optional<IOException> failure() {
        return fifos == null ? Optional.empty() : fifos.failure();
    }

    /**
     * Says on err when the caller's output could not take the process's (a full disk, an I/O
     * error), and gives the exit code to return then: 125, nana's own failure, instead of the
     * process's, which wrote everything. A reader that went away ({@code | head}) is no failure.
     */
    int exitCode(int processCode, String what, java.io.PrintWriter err) {
        Optional<IOException> f = failure().filter(e -> !(e instanceof ReaderGoneException));
        if (f.isEmpty()) return processCode;
        err.println(
                "nana: writing the output of "
                        + what
                        + " failed: "
                        + OutputFailed.of(f.get()).getMessage());
        return NanaCommand.EXIT_NANA_FAILED;
    }

    /** Sends the caller's terminal size to a process's terminal. */
    static Runnable resizer(Terminal terminal, ProcessControl control, String id, String execId) {
        return () -> {
            int[] size = terminal.size();
            if (size == null || size[0] < 1 || size[1] < 1) return;
            try {
                control.resize(id, execId, size[0], size[1]);
            } catch (NanaException e) {
                // it has exited
            }
        };
    }
}
