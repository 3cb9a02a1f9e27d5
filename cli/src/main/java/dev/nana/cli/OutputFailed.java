package dev.nana.cli;

import dev.nana.ReaderGoneException;
import java.io.IOException;

/**
 * The caller's output could not be written, its reader still there: a full disk, /dev/full, an I/O
 * error. That is nana's failure (125), said in one line with the reason, not a reader that went
 * away ({@link OutputGone}).
 */
final class OutputFailed extends IOException {
    private static final long serialVersionUID = 1L;

    OutputFailed(Throwable cause) {
        super("writing its output failed: " + reason(cause), cause);
    }

    /** A write's error as the reader of a message wants it: no descriptor number, no class. */
    private static String reason(Throwable cause) {
        String m = String.valueOf(cause.getMessage());
        return m.startsWith("write fd ") && m.indexOf(": ") > 0
                ? m.substring(m.indexOf(": ") + 2)
                : m;
    }

    /**
     * What a failed write to the caller's output is: its reader gone (EPIPE, a reset connection) or
     * a failure to say.
     */
    static IOException of(IOException e) {
        if (e instanceof OutputGone || e instanceof OutputFailed) return e;
        if (e instanceof ReaderGoneException
                || String.valueOf(e.getMessage()).contains("Broken pipe")) return new OutputGone(e);
        return new OutputFailed(e);
    }
}
