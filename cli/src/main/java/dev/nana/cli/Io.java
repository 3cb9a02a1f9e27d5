package dev.nana.cli;

import dev.nana.Supervisor;
import dev.nana.spi.CommandRunner;
import dev.nana.spi.CommandRunner.Terminal;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.FdSink;
import dev.nana.supervisor.os.OsException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;
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

    final Terminal terminal;
    private final Consumer<IntConsumer> signals;

    Io(
            InputStream in,
            OutputStream out,
            OutputStream err,
            Map<String, String> env,
            Path cwd,
            Supervisor daemonSupervisor,
            Terminal terminal,
            Consumer<IntConsumer> signals) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.env = env;
        this.cwd = cwd;
        this.daemonSupervisor = daemonSupervisor;
        this.terminal = terminal;
        this.signals = signals;
    }

    /** This JVM's own stdio; it gets no forwarded signals (its own SIGINT ends it). */
    static Io system() {
        return new Io(
                new FileInputStream(FileDescriptor.in),
                new CallerStream(new FileOutputStream(FileDescriptor.out), new Fd(1), () -> false),
                new CallerStream(new FileOutputStream(FileDescriptor.err), new Fd(2), () -> false),
                System.getenv(),
                Path.of("").toAbsolutePath(),
                null,
                new SystemTerminal(),
                handler -> {});
    }

    /** A thin client's call, which the daemon hands over (dev.nana.spi.CommandRunner). */
    static Io forwarded(CommandRunner.Call call) {
        return new Io(
                call.in(),
                callerStream(call.out()),
                callerStream(call.err()),
                call.env(),
                call.cwd(),
                call.supervisor(),
                call.terminal(),
                call::onSignal);
    }

    private static OutputStream callerStream(OutputStream out) {
        return out instanceof FdSink sink ? new CallerStream(out, sink.fd(), sink::gone) : out;
    }

    /**
     * The caller's stdout or stderr, a descriptor underneath: a write that fails because its reader
     * went away (EPIPE, or a forwarding client gone) is an {@link OutputGone}, another failure an
     * {@link OutputFailed}; and a pump may splice a container's output straight into the descriptor
     * (never closed here).
     */
    private static final class CallerStream extends FilterOutputStream implements FdSink {
        private final Fd fd;
        private final BooleanSupplier gone;

        CallerStream(OutputStream out, Fd fd, BooleanSupplier gone) {
            super(out);
            this.fd = fd;
            this.gone = gone;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public Fd fd() {
            return fd;
        }

        @Override
        public boolean gone() {
            return gone.getAsBoolean();
        }

        @Override
        public IOException failed(OsException cause) {
            return failed((IOException) cause);
        }

        private IOException failed(IOException cause) {
            return gone() && !(cause instanceof OutputGone)
                    ? new OutputGone(cause)
                    : OutputFailed.of(cause);
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
