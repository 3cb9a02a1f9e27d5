package dev.nana.supervisor.shim;

import dev.nana.ExecInfo;
import dev.nana.ExecSpec;
import dev.nana.InvalidArgumentException;
import dev.nana.Stdio;
import dev.nana.UnavailableException;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.FifoInputStream;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The in-process side of an exec's handle ({@code Supervisor.launch(id, ExecSpec)}): FIFOs for its
 * stdin, stdout and (without a terminal) stderr in a private folder under the state directory's
 * {@code .stdio}, the read ends open before the exec is made, so that the shim opens them as an
 * attached reader's and nothing the process writes is missed; every byte comes to the handle, the
 * process waiting while it is not read.
 */
public final class ExecPipes {
    private final Path folder;
    private final Stdio stdio;
    private final Fd out;
    private final Fd err;

    private ExecPipes(Path folder, Stdio stdio, Fd out, Fd err) {
        this.folder = folder;
        this.stdio = stdio;
        this.out = out;
        this.err = err;
    }

    /** The streams of a started exec, and what lets go of them. */
    public record Streams(
            ExecInfo exec,
            InputStream output,
            InputStream error,
            OutputStream input,
            Runnable remove) {}

    /**
     * Makes the FIFOs, runs the exec through them, and connects its streams.
     *
     * @param parent the state directory's .stdio
     * @param container the container's folder (the exec's own is in it)
     * @param id the container's id
     * @param spec the exec, with no stdio of its own
     * @param exec runs the spec (with the FIFOs as its stdio)
     * @param closeInput gives the exec's stdin end-of-file, by its exec id
     * @return the exec and its streams
     */
    public static Streams start(
            Path parent,
            Path container,
            String id,
            ExecSpec spec,
            Function<ExecSpec, ExecInfo> exec,
            java.util.function.Consumer<String> closeInput) {
        if (!spec.stdio().equals(Stdio.NONE))
            throw new InvalidArgumentException(
                    "launch of an exec in \""
                            + id
                            + "\": its spec names stdio of its own; the handle is its stdio (give"
                            + " none, or use exec for FIFOs of your own)");
        ExecPipes pipes = make(parent, id, spec.terminal());
        ExecInfo info;
        try {
            info =
                    exec.apply(
                            new ExecSpec(
                                    spec.execId(),
                                    spec.args(),
                                    spec.env(),
                                    spec.cwd(),
                                    spec.user(),
                                    spec.terminal(),
                                    pipes.stdio,
                                    spec.consoleRows(),
                                    spec.consoleCols()));
        } catch (RuntimeException e) {
            pipes.closeAll();
            throw e;
        }
        ProcessDir dir = new ProcessDir(container.resolve(info.execId()));
        InputStream output = new FifoInputStream(pipes.out, () -> !dir.shimAlive(), () -> {});
        InputStream error =
                pipes.err == null
                        ? InputStream.nullInputStream()
                        : new FifoInputStream(pipes.err, () -> !dir.shimAlive(), () -> {});
        OutputStream input;
        try {
            input = new Input(InputFifo.openClient(pipes.stdio.stdin()), info, closeInput);
        } catch (OsException e) {
            closeQuietly(output);
            closeQuietly(error);
            pipes.remove();
            throw new UnavailableException(
                    "open the input of exec " + info.execId() + " of \"" + id + "\": " + e, e);
        }
        return new Streams(info, output, error, input, pipes::remove);
    }

    private static ExecPipes make(Path parent, String id, boolean terminal) {
        Path folder;
        try {
            folder = StdioFolders.make(parent, "exec-");
        } catch (IOException e) {
            throw new UnavailableException(
                    "launch an exec in \"" + id + "\": make its FIFOs in " + parent + ": " + e, e);
        }
        Stdio stdio =
                new Stdio(
                        folder.resolve("stdin"),
                        folder.resolve("stdout"),
                        terminal ? null : folder.resolve("stderr"));
        Fd out = null;
        Fd err = null;
        try {
            LibNana.mkfifo(stdio.stdin(), 0600);
            LibNana.mkfifo(stdio.stdout(), 0600);
            if (stdio.stderr() != null) LibNana.mkfifo(stdio.stderr(), 0600);
            out = LibNana.fifoOpenRead(stdio.stdout());
            if (stdio.stderr() != null) err = LibNana.fifoOpenRead(stdio.stderr());
            return new ExecPipes(folder, stdio, out, err);
        } catch (OsException e) {
            if (out != null) out.close();
            new ExecPipes(folder, stdio, null, null).remove();
            throw new UnavailableException(
                    "launch an exec in \"" + id + "\": make its FIFOs: " + e.getMessage(), e);
        }
    }

    private void closeAll() {
        if (out != null) out.close();
        if (err != null) err.close();
        remove();
    }

    /** Removes the folder (once the exec has exited: the shim opened its FIFOs long before). */
    private void remove() {
        StdioFolders.removeQuietly(folder);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // it only lets go
        }
    }

    /** The exec's stdin: closing it gives the process end-of-file. */
    private static final class Input extends OutputStream {
        private final InputFifo fifo;
        private final ExecInfo exec;
        private final java.util.function.Consumer<String> closeInput;
        private boolean closed;

        Input(InputFifo fifo, ExecInfo exec, java.util.function.Consumer<String> closeInput) {
            this.fifo = fifo;
            this.exec = exec;
            this.closeInput = closeInput;
        }

        @Override
        public void write(int b) throws IOException {
            fifo.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            fifo.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            fifo.flush();
        }

        @Override
        public synchronized void close() throws IOException {
            if (closed) return;
            closed = true;
            try {
                fifo.close();
            } finally {
                try {
                    closeInput.accept(exec.execId());
                } catch (RuntimeException e) {
                    // it has exited: its input is closed already
                }
            }
        }
    }
}
