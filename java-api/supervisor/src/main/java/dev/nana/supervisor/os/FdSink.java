package dev.nana.supervisor.os;

import dev.nana.ReaderGoneException;
import java.io.IOException;

/**
 * An output stream that is a descriptor underneath (a forwarded client's stdout), so that a pump
 * can move a container's output into it inside the kernel (splice) instead of copying it through
 * the JVM.
 */
public interface FdSink {
    /** The descriptor written to. */
    Fd fd();

    /** Whether whoever reads it is gone for good: the pump stops. */
    boolean gone();

    /**
     * What a failed write to it is, as the stream would have thrown it (EPIPE: its reader left).
     */
    IOException failed(OsException cause);

    /**
     * A failed write as a caller tells it apart: {@link ReaderGoneException} when the reader went
     * away (the sink is gone, EPIPE, ECONNRESET), the failure itself otherwise.
     */
    static IOException classify(OsException cause, boolean gone) {
        if (gone || cause.errno() == Errors.EPIPE || cause.errno() == Errors.ECONNRESET)
            return new ReaderGoneException(
                    "its reader went away (" + cause.getMessage() + ")", cause);
        return cause;
    }
}
