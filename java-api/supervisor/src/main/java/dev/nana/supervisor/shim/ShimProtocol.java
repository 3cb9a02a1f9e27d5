package dev.nana.supervisor.shim;

import java.nio.file.Path;

/**
 * What nana-shim and its supervisor say to each other, named once on this side; the C side is
 * native/src/shim/protocol.h (each constant here is its {@code SHIM_} define), and
 * ShimProtocolDriftTest fails when the two differ.
 *
 * <p>The sync pipe (the shim's stdout while it starts) carries one line each: {@code created
 * <pid>}, {@code started}, or {@code error <message>} (then the shim exits 1). The control FIFO
 * takes one command a line: {@code start}, {@code close-stdin}, {@code resize ROWS COLS}, {@code
 * attach OUT ERR IN} ({@code -} for none). The rest are names in the process folder, the shim's
 * cwd, that both sides read or write.
 */
public final class ShimProtocol {
    public static final String SYNC_CREATED = "created";
    public static final String SYNC_STARTED = "started";
    public static final String SYNC_ERROR = "error";

    public static final String CONTROL_START = "start";
    public static final String CONTROL_CLOSE_STDIN = "close-stdin";
    public static final String CONTROL_RESIZE = "resize";
    public static final String CONTROL_ATTACH = "attach";
    public static final String CONTROL_REOPEN_LOG = "reopen-log";
    public static final String CONTROL_NO_PATH = "-";

    public static final String EXIT_FIFO = "exit";
    public static final String CONTROL_FIFO = "control";
    public static final String PID_FILE = "pid";
    public static final String STARTTIME_FILE = "starttime";
    public static final String SHIM_FILE = "shim";
    public static final String STARTED_FILE = "started";
    public static final String EXIT_STATUS_FILE = "exitStatus";
    public static final String OOM_FILE = "oom";
    public static final String OUTPUT_LOG = "log";
    public static final String OUTPUT_LOG_OFFSETS = "log.offsets";
    public static final String RUNTIME_LOG = "log.json";

    private ShimProtocol() {}

    /** The control command that starts a created process. */
    public static String start() {
        return CONTROL_START + "\n";
    }

    /** The control command that closes the process's stdin (the client's EOF). */
    public static String closeStdin() {
        return CONTROL_CLOSE_STDIN + "\n";
    }

    /** The control command that opens the CRI log file again (after it was renamed). */
    public static String reopenLog() {
        return CONTROL_REOPEN_LOG + "\n";
    }

    /** The control command that sets the terminal's size. */
    public static String resize(int rows, int cols) {
        return CONTROL_RESIZE + " " + rows + " " + cols + "\n";
    }

    /**
     * The control command that points the process's output (and input) at a client's FIFOs; null
     * for none.
     */
    public static String attach(Path stdout, Path stderr, Path stdin) {
        return CONTROL_ATTACH
                + " "
                + orNone(stdout)
                + " "
                + orNone(stderr)
                + " "
                + orNone(stdin)
                + "\n";
    }

    private static String orNone(Path path) {
        return path != null ? path.toString() : CONTROL_NO_PATH;
    }
}
