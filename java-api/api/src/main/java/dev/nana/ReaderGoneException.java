package dev.nana;

import java.io.IOException;

/**
 * A copy of a process's output stopped because whoever read it went away: a pipe with no reader
 * left (EPIPE, as {@code nana run ... | head}), a reset connection, a client that disconnected. No
 * failure of nana's or of the process's: the process goes on, writing to its log alone.
 */
public final class ReaderGoneException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * A copy's end, told.
     *
     * @param message what went away, and how it was seen
     * @param cause the write's own failure (EPIPE…), or null
     */
    public ReaderGoneException(String message, Throwable cause) {
        super(message, cause);
    }
}
