package dev.nana;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@link Container} every supervisor hands out: an id, calls to its supervisor, and from {@link
 * Supervisor#launch} the reader attached to its output from its start, until output() takes it.
 */
final class ContainerHandle implements Container {
    private final Supervisor supervisor;
    private final String id;
    private final AtomicReference<InputStream> attached;

    ContainerHandle(Supervisor supervisor, String id, InputStream attached) {
        this.supervisor = supervisor;
        this.id = id;
        this.attached = new AtomicReference<>(attached);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public ContainerInfo info() {
        return supervisor.state(id);
    }

    @Override
    public CompletableFuture<ExitStatus> onExit() {
        return supervisor.waitForExit(id);
    }

    @Override
    public ExitStatus waitFor() throws InterruptedException {
        try {
            return onExit().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new UnavailableException("wait for \"" + id + "\": " + e.getCause(), e);
        }
    }

    @Override
    public boolean waitFor(Duration timeout) throws InterruptedException {
        if (!isAlive()) return true; // at once, as Process's: a wait's answer comes a moment later
        try {
            var _ = onExit().get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new UnavailableException("wait for \"" + id + "\": " + e.getCause(), e);
        }
    }

    @Override
    public boolean isAlive() {
        return info().status() != ContainerStatus.STOPPED;
    }

    @Override
    public long pid() {
        ContainerInfo i = info();
        return i.status() == ContainerStatus.STOPPED ? 0 : i.pid();
    }

    @Override
    public ExitStatus stop(Duration grace) throws InterruptedException {
        ContainerStatus s = info().status();
        if (s != ContainerStatus.STOPPED) {
            try {
                if (s == ContainerStatus.PAUSED) resume(); // a frozen process takes no TERM
                kill(Signal.TERM);
                if (!waitFor(grace)) kill(Signal.KILL);
            } catch (FailedPreconditionException exitedMeanwhile) {
                // it ended between the look and the signal: its exit is what follows
            }
        }
        return waitFor();
    }

    @Override
    public void kill(Signal signal) {
        supervisor.kill(id, signal);
    }

    @Override
    public void killAll(Signal signal) {
        supervisor.kill(id, signal.number(), true);
    }

    @Override
    public ExecHandle launch(ExecSpec spec) {
        return supervisor.launch(id, spec);
    }

    @Override
    public ExecInfo exec(ExecSpec spec) {
        return supervisor.exec(id, spec);
    }

    @Override
    public CompletableFuture<ExitStatus> onExit(ExecInfo exec) {
        return supervisor.waitForExec(id, exec.execId());
    }

    @Override
    public void pause() {
        var _ = supervisor.pause(id);
    }

    @Override
    public void resume() {
        var _ = supervisor.resume(id);
    }

    @Override
    public void update(Resources resources) {
        var _ = supervisor.update(id, resources);
    }

    @Override
    public Stats stats() {
        return supervisor.stats(id);
    }

    @Override
    public InputStream output() {
        InputStream first = attached.getAndSet(null);
        return first != null ? first : supervisor.output(id);
    }

    @Override
    public OutputStream input() {
        return supervisor.input(id);
    }

    @Override
    public void attach(Stdio stdio) {
        supervisor.attach(id, stdio);
    }

    @Override
    public void resize(int rows, int columns) {
        supervisor.resize(id, null, rows, columns);
    }

    @Override
    public void closeInput() {
        supervisor.closeInput(id, null);
    }

    @Override
    public void close() {
        InputStream unread = attached.getAndSet(null);
        if (unread != null) {
            try {
                unread.close();
            } catch (IOException e) {
                // it only lets go of the FIFO
            }
        }
        try {
            supervisor.forceDelete(id);
        } catch (NotFoundException e) {
            // gone already: closing twice, or deleted elsewhere
        }
    }

    @Override
    public String toString() {
        return "Container[" + id + "]";
    }
}
