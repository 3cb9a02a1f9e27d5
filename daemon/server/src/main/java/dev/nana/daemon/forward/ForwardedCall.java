package dev.nana.daemon.forward;

import dev.nana.Supervisor;
import dev.nana.spi.CommandRunner;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntConsumer;

/** What a forwarded command runs with: the client's stdio, terminal, environment and signals. */
final class ForwardedCall implements CommandRunner.Call {
    private final InputStream in;
    private final OutputStream out;
    private final OutputStream err;
    private final Map<String, String> env;
    private final Path cwd;
    private final Supervisor supervisor;
    private final Path stateDir;
    private final ClientTerminal terminal;
    private volatile IntConsumer signalHandler;

    ForwardedCall(
            InputStream in,
            OutputStream out,
            OutputStream err,
            Map<String, String> env,
            Path cwd,
            Supervisor supervisor,
            Path stateDir,
            ClientTerminal terminal) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.env = env;
        this.cwd = cwd;
        this.supervisor = supervisor;
        this.stateDir = stateDir;
        this.terminal = terminal;
    }

    @Override
    public InputStream in() {
        return in;
    }

    @Override
    public OutputStream out() {
        return out;
    }

    @Override
    public OutputStream err() {
        return err;
    }

    @Override
    public Map<String, String> env() {
        return env;
    }

    @Override
    public Path cwd() {
        return cwd;
    }

    @Override
    public Supervisor supervisor() {
        return supervisor;
    }

    @Override
    public Path stateDir() {
        return stateDir;
    }

    @Override
    public ClientTerminal terminal() {
        return terminal;
    }

    @Override
    public void onSignal(IntConsumer handler) {
        signalHandler = handler;
    }

    /** Hands a forwarded signal to the command; false when it asked for none. */
    boolean deliver(int sig) {
        IntConsumer h = signalHandler;
        if (h == null) return false;
        h.accept(sig);
        return true;
    }
}
