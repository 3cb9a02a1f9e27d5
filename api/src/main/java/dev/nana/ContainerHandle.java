package dev.nana;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** The {@link Container} every supervisor hands out: an id, and calls to its supervisor. */
record ContainerHandle(Supervisor supervisor, String id) implements Container {
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
    public void kill(Signal signal) {
        supervisor.kill(id, signal);
    }

    @Override
    public void killAll(Signal signal) {
        supervisor.kill(id, signal.number(), true);
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
        return supervisor.output(id);
    }

    @Override
    public OutputStream input() {
        return supervisor.input(id);
    }

    @Override
    public void close() {
        try {
            supervisor.forceDelete(id);
        } catch (NotFoundException e) {
            // gone already: closing twice, or deleted elsewhere
        }
    }
}
