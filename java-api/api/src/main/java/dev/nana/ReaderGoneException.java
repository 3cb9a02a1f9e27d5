package dev.nana;

import java.io.IOException;

/**
 * A copy of a process's output stopped because whoever read it went away: a pipe with no reader
 * left (EPIPE, as {@code nana run ... | head}), a reset connection, a client that disconnected. No
 * failure of nana's or of the process's: the process goes on, writing to its log alone.
 */
public final class ReaderGoneException extends IOException {
    private static final long serialVersionUID = 1L;

    public ReaderGoneException(String message, Throwable cause) {
        super(message, cause);
    }
}
