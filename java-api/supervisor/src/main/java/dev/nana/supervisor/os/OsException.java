package dev.nana.supervisor.os;

import java.io.IOException;

/**
 * A failed call into libnana: which operation, on what, and the errno. {@link Errors} is the one
 * place that turns an errno into one of these types, so callers can catch the case they handle
 * ({@link NoEntry}, {@link Exists}, {@link NoProcess}, {@link Denied}, {@link WouldBlock}) and let
 * the rest travel.
 */
public sealed class OsException extends IOException
        permits OsException.NoEntry,
                OsException.Exists,
                OsException.NoProcess,
                OsException.Denied,
                OsException.WouldBlock {
    private static final long serialVersionUID = 1L;
    private final String what;
    private final int errno;
    private String message;

    /** what failed, e.g. "read fd 7"; the message adds strerror(errno) when first asked for. */
    OsException(String what, int errno) {
        super((String) null);
        this.what = what;
        this.errno = errno;
    }

    /**
     * "what: strerror (errno N)", made when asked for: most of these are answers that are caught
     * and dropped (EAGAIN, ENOENT of a file that may be gone), and strerror is a downcall.
     */
    @Override
    public synchronized String getMessage() {
        if (message == null) message = what + ": " + Errors.describe(errno);
        return message;
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }

    /** ENOENT: the file or directory is not there. */
    public static final class NoEntry extends OsException {
        private static final long serialVersionUID = 1L;

        NoEntry(String what, int errno) {
            super(what, errno);
        }
    }

    /** EEXIST: something is there already. */
    public static final class Exists extends OsException {
        private static final long serialVersionUID = 1L;

        Exists(String what, int errno) {
            super(what, errno);
        }
    }

    /** ESRCH / ECHILD: the process is gone (or is not ours). */
    public static final class NoProcess extends OsException {
        private static final long serialVersionUID = 1L;

        NoProcess(String what, int errno) {
            super(what, errno);
        }
    }

    /** EACCES / EPERM. */
    public static final class Denied extends OsException {
        private static final long serialVersionUID = 1L;

        Denied(String what, int errno) {
            super(what, errno);
        }
    }

    /**
     * EAGAIN: nothing to read or no room to write now. An answer, not a fault: non-blocking loops
     * meet it on every pass, so it carries no stack trace (filling one in was a measurable share of
     * a forwarded command's CPU).
     */
    public static final class WouldBlock extends OsException {
        private static final long serialVersionUID = 1L;

        WouldBlock(String what, int errno) {
            super(what, errno);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
