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

    /**
     * What a command line is, from a look at it alone (nothing is run).
     *
     * @param args the command line, without the program's name
     * @return its kind
     */
    Kind kindOf(List<String> args);

    /**
     * A command line fit for a log: whatever may carry a secret (an environment value) hidden.
     *
     * @param args the command line
     * @return the same, with what may be secret hidden
     */
    List<String> redacted(List<String> args);

    /**
     * Runs a command line on the caller's stdio, environment and working directory.
     *
     * @param args the command line, without the program's name
     * @param call the caller's stdio, environment, directory, terminal and signals
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
        /**
         * The client's stdin.
         *
         * @return a stream of it
         */
        InputStream in();

        /**
         * The client's stdout.
         *
         * @return a stream of it
         */
        OutputStream out();

        /**
         * The client's stderr.
         *
         * @return a stream of it
         */
        OutputStream err();

        /**
         * The client's environment.
         *
         * @return its variables
         */
        Map<String, String> env();

        /**
         * The client's working directory, which relative paths are relative to.
         *
         * @return an absolute path
         */
        Path cwd();

        /**
         * The daemon's own supervisor: the command runs on it.
         *
         * @return the supervisor
         */
        Supervisor supervisor();

        /**
         * The daemon's state directory, where its containers (and their shims' FIFOs) are.
         *
         * @return the directory
         */
        Path stateDir();

        /**
         * The client's terminal.
         *
         * @return it, as far as the client tells
         */
        Terminal terminal();

        /**
         * What to do with a signal the client received (run proxies it to its container). A signal
         * that comes while no handler is set interrupts the command.
         *
         * @param handler takes the signal's number
         */
        void onSignal(IntConsumer handler);
    }

    /**
     * The caller's terminal, for {@code run -it}: whether stdin is one, raw mode on and off, its
     * size, and a hook for its resizes.
     */
    interface Terminal {
        /**
         * Whether the caller's stdin is a terminal.
         *
         * @return true for a terminal
         */
        boolean isTty();

        /**
         * Raw mode on or off (the terminal is restored however the command ends).
         *
         * @param on true for raw mode
         */
        void raw(boolean on);

        /**
         * The terminal's size.
         *
         * @return rows and columns, or null when unknown
         */
        int[] size();

        /**
         * What to do when the terminal's size changes.
         *
         * @param handler run after each change
         */
        void onResize(Runnable handler);
    }
}
