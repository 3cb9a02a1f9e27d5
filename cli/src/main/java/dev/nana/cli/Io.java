package dev.nana.cli;

import dev.nana.ClientIo;
import dev.nana.Supervisor;
import dev.nana.spi.CommandRunner;
import dev.nana.spi.CommandRunner.Terminal;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Where one command invocation reads and writes, and whose environment it sees: this process's own
 * (the JVM CLI), or a thin client's forwarded to the daemon (its stdio descriptors, environment and
 * working directory), which then runs on the daemon's supervisor.
 */
final class Io {
    final InputStream in;
    final OutputStream out;
    final OutputStream err;
    final Map<String, String> env;
    final Path cwd;

    /** The daemon's own supervisor when this command was forwarded to it; else null. */
    final Supervisor daemonSupervisor;

    /** The daemon's state directory when this command was forwarded to it; else null. */
    final Path daemonStateDir;

    final Terminal terminal;
    private final Consumer<IntConsumer> signals;

    /**
     * Where a container's output is copied: the caller's descriptors as they came (a forwarded
     * client's, which a copy splices into); null for this process's own, which {@link ClientIo}
     * gives as such.
     */
    private final OutputStream copyOut;

    private final OutputStream copyErr;

    Io(
            InputStream in,
            OutputStream out,
            OutputStream err,
            Map<String, String> env,
            Path cwd,
            Supervisor daemonSupervisor,
            Terminal terminal,
            Consumer<IntConsumer> signals) {
        this(in, out, err, out, err, env, cwd, daemonSupervisor, null, terminal, signals);
    }

    private Io(
            InputStream in,
            OutputStream out,
            OutputStream err,
            OutputStream copyOut,
            OutputStream copyErr,
            Map<String, String> env,
            Path cwd,
            Supervisor daemonSupervisor,
            Path daemonStateDir,
            Terminal terminal,
            Consumer<IntConsumer> signals) {
        this.in = in;
        this.out = new CallerStream(out);
        this.err = new CallerStream(err);
        this.copyOut = copyOut;
        this.copyErr = copyErr;
        this.env = env;
        this.cwd = cwd;
        this.daemonSupervisor = daemonSupervisor;
        this.daemonStateDir = daemonStateDir;
        this.terminal = terminal;
        this.signals = signals;
    }

    /** This JVM's own stdio; it gets no forwarded signals (its own SIGINT ends it). */
    static Io system() {
        return new Io(
                new FileInputStream(FileDescriptor.in),
                new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err),
                null,
                null,
                System.getenv(),
                Path.of("").toAbsolutePath(),
                null,
                null,
                new SystemTerminal(),
                handler -> {});
    }

    /** A thin client's call, which the daemon hands over (dev.nana.spi.CommandRunner). */
    static Io forwarded(CommandRunner.Call call) {
        return new Io(
                call.in(),
                call.out(),
                call.err(),
                call.out(),
                call.err(),
                call.env(),
                call.cwd(),
                call.supervisor(),
                call.stateDir(),
                call.terminal(),
                call::onSignal);
    }

    /** Where a container's stdout is copied, through io's FIFOs. */
    OutputStream copyOut(ClientIo io) {
        return copyOut != null ? copyOut : io.standardOutput();
    }

    /** Where a container's stderr is copied, through io's FIFOs. */
    OutputStream copyErr(ClientIo io) {
        return copyErr != null ? copyErr : io.standardError();
    }

    /**
     * The caller's stdout or stderr, for the command's own writes: one that fails because its
     * reader went away (EPIPE, or a forwarding client gone) is an {@link OutputGone}, another
     * failure an {@link OutputFailed}. Never closed here.
     */
    private static final class CallerStream extends FilterOutputStream {
        CallerStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw OutputFailed.of(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw OutputFailed.of(e);
            }
        }
    }

    String env(String key, String otherwise) {
        String v = env.get(key);
        return v == null || v.isEmpty() ? otherwise : v;
    }

    /** A path as the caller meant it: relative to the caller's working directory. */
    Path resolve(Path p) {
        return p == null ? null : cwd.resolve(p).normalize();
    }

    /** What to do with a signal the caller received (run proxies it to its container). */
    void onSignal(IntConsumer handler) {
        signals.accept(handler);
    }
}
