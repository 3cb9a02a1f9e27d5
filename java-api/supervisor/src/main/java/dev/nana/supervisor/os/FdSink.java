package dev.nana.supervisor.os;

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
}
