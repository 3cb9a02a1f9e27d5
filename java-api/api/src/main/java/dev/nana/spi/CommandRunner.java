package dev.nana.spi;

import dev.nana.Supervisor;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A command line that the daemon runs for a thin client (native/src/client): the daemon's
 * forwarding server reads the client's request and hands it here, and nana's CLI runs it in the
 * daemon's warm JVM on the daemon's supervisor. The server knows the wire and the limits; the
 * runner knows the command line. Not for users.
 */
public interface CommandRunner {
    /** The exit code of a command nana failed to run, as docker's and podman's. */
    int FAILED = 125;

    /**
     * What the server must know of a command line before it runs it.
     *
     * @param subcommand the subcommand it names, or null when it needs the whole tree (help,
     *     completion, a usage error)
     * @param lasting whether it may run as long as its caller likes (run, logs -f, events…)
     */
    record Kind(String subcommand, boolean lasting) {}

    /** What {@code args} is, from a look at it alone (nothing is run). */
    Kind kindOf(List<String> args);

    /** {@code args} fit for a log: whatever may carry a secret (an environment value) hidden. */
    List<String> redacted(List<String> args);

    /**
     * Runs {@code args} on the caller's stdio, environment and working directory.
     *
     * @return its exit code
     */
    int run(List<String> args, Call call);

    /** Builds ahead what the first commands need; the daemon calls it beside its restore. */
    default void prepare() {}

    /**
     * One forwarded call: the client's stdio as streams (a write waits while its reader is behind,
     * and fails once the client is gone), its environment and working directory, the daemon's
     * supervisor, its terminal, and the signals it forwards.
     */
    interface Call {
        InputStream in();

        OutputStream out();

        OutputStream err();

        Map<String, String> env();

        Path cwd();

        /** The daemon's own supervisor: the command runs on it. */
        Supervisor supervisor();

        Terminal terminal();

        /**
         * What to do with a signal the client received (run proxies it to its container). A signal
         * that comes while no handler is set interrupts the command.
         */
        void onSignal(IntConsumer handler);
    }

    /**
     * The caller's terminal, for {@code run -it}: whether stdin is one, raw mode on and off, its
     * size, and a hook for its resizes.
     */
    interface Terminal {
        boolean isTty();

        void raw(boolean on);

        /** Rows and columns, or null when unknown. */
        int[] size();

        void onResize(Runnable handler);
    }
}
