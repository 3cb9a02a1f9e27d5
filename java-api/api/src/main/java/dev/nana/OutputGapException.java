package dev.nana;

import java.io.IOException;

/**
 * Thrown once by a read of a container's output log ({@link Supervisor#output(String)}) where bytes
 * are missing: the log keeps a bounded tail of the output (two files of 16 MiB by default), and
 * this reader fell behind it, or started after it had moved on. The count is exact. Reading on is
 * allowed: the next read continues with the first byte after the gap. A reader attached from the
 * start ({@link Supervisor#launch}, {@link Supervisor#attachOutput}) never sees one: it gets every
 * byte.
 */
public final class OutputGapException extends IOException {
    private static final long serialVersionUID = 1L;

    /** How many bytes are missing. */
    private final long droppedBytes;

    /**
     * A gap of droppedBytes before the next byte read.
     *
     * @param droppedBytes how many bytes of output this reader missed
     */
    public OutputGapException(long droppedBytes) {
        super(message(droppedBytes));
        this.droppedBytes = droppedBytes;
    }

    /**
     * The message every side prints: the CLI's line on stderr, and this exception's.
     *
     * @param droppedBytes how many bytes of output were missed
     * @return the message
     */
    public static String message(long droppedBytes) {
        return droppedBytes + " bytes of output were dropped before this reader caught up";
    }

    /**
     * How many bytes are missing here.
     *
     * @return the count
     */
    public long droppedBytes() {
        return droppedBytes;
    }
}
