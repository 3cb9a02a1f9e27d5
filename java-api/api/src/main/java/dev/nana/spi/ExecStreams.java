package dev.nana.spi;

import dev.nana.ExecHandle;
import dev.nana.ExecInfo;
import dev.nana.ExitStatus;
import dev.nana.Supervisor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link ExecHandle} both supervisors hand out, over the streams each connects its own way
 * (FIFOs in-process, one gRPC stream through a daemon).
 */
public final class ExecStreams implements ExecHandle {
    private final Supervisor supervisor;
    private final String containerId;
    private final ExecInfo exec;
    private final InputStream output;
    private final InputStream error;
    private final OutputStream input;
    private final CompletableFuture<ExitStatus> exit;
    private final Runnable onClose;

    /**
     * A handle on the streams.
     *
     * @param supervisor resizes its terminal
     * @param exec the exec's ids and pid
     * @param output its stdout
     * @param error its stderr (empty with a terminal)
     * @param input its stdin
     * @param exit completes when it has exited
     * @param onClose run once when the handle is closed, after the streams
     */
    public ExecStreams(
            Supervisor supervisor,
            ExecInfo exec,
            InputStream output,
            InputStream error,
            OutputStream input,
            CompletableFuture<ExitStatus> exit,
            Runnable onClose) {
        this.supervisor = supervisor;
        this.containerId = exec.id();
        this.exec = exec;
        this.output = output;
        this.error = error;
        this.input = input;
        this.exit = exit;
        this.onClose = onClose;
    }

    @Override
    public String containerId() {
        return containerId;
    }

    @Override
    public String execId() {
        return exec.execId();
    }

    @Override
    public long pid() {
        return exec.pid();
    }

    @Override
    public InputStream output() {
        return output;
    }

    @Override
    public InputStream error() {
        return error;
    }

    @Override
    public OutputStream input() {
        return input;
    }

    @Override
    public CompletableFuture<ExitStatus> onExit() {
        return exit.copy();
    }

    @Override
    public void resize(int rows, int columns) {
        supervisor.resize(containerId, exec.execId(), rows, columns);
    }

    private boolean closed;

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (AutoCloseable c : new AutoCloseable[] {input, output, error}) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                // the process is gone, or the stream was closed already
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        onClose.run();
    }

    @Override
    public String toString() {
        return "exec " + exec.execId() + " of " + containerId + " (pid " + exec.pid() + ")";
    }
}
