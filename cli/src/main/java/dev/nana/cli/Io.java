package dev.nana.cli;

import dev.nana.Supervisor;
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
    private volatile IntConsumer signalHandler;

    Io(
            InputStream in,
            OutputStream out,
            OutputStream err,
            Map<String, String> env,
            Path cwd,
            Supervisor daemonSupervisor,
            Terminal terminal) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.env = env;
        this.cwd = cwd;
        this.daemonSupervisor = daemonSupervisor;
        this.terminal = terminal;
    }

    static Io system() {
        return new Io(
                new FileInputStream(FileDescriptor.in),
                goneAware(new FileOutputStream(FileDescriptor.out), 1),
                goneAware(new FileOutputStream(FileDescriptor.err), 2),
                System.getenv(),
                Path.of("").toAbsolutePath(),
                null,
                Terminal.system());
    }

    /**
     * This JVM's own stdout or stderr, whose broken pipe is an {@link OutputGone} as a forwarded
     * one's is.
     */
    private static OutputStream goneAware(OutputStream out, int fd) {
        return new SystemStream(out, new Fd(fd));
    }

    /**
     * One of this JVM's own stdout and stderr: a broken pipe is an {@link OutputGone}, another
     * failure an {@link OutputFailed}, and a pump may splice a container's output straight into its
     * descriptor (never closed here).
     */
    private static final class SystemStream extends FilterOutputStream implements FdSink {
        private final Fd fd;

        SystemStream(OutputStream out, Fd fd) {
            super(out);
            this.fd = fd;
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
        public Fd fd() {
            return fd;
        }

        @Override
        public boolean gone() {
            return false; // this process is the client: it is here
        }

        @Override
        public IOException failed(OsException cause) {
            return OutputFailed.of(cause);
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
        this.signalHandler = handler;
    }

    /** Delivers a forwarded signal; false when no command asked for it. */
    boolean signal(int sig) {
        IntConsumer h = signalHandler;
        if (h == null) return false;
        h.accept(sig);
        return true;
    }
}
