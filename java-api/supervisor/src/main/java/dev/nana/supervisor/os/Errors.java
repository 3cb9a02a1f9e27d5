package dev.nana.supervisor.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** The one place where a negative return of libnana becomes a typed Java exception. */
public final class Errors {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int EPIPE = 32;
    public static final int ENOSYS = 38;
    public static final int ECONNRESET = 104;

    private Errors() {}

    /**
     * Returns rc when it is >= 0; otherwise throws the exception for errno -rc, naming what failed.
     */
    public static int check(int rc, String what) throws OsException {
        if (rc >= 0) return rc;
        throw exception(-rc, what);
    }

    /** The exception for a positive errno: "what: strerror (errno N)". */
    public static OsException exception(int errno, String what) {
        return switch (errno) {
            case ENOENT -> new OsException.NoEntry(what, errno);
            case EEXIST -> new OsException.Exists(what, errno);
            case ESRCH, ECHILD -> new OsException.NoProcess(what, errno);
            case EACCES, EPERM -> new OsException.Denied(what, errno);
            case EAGAIN -> new OsException.WouldBlock(what, errno);
            default -> new OsException(what, errno);
        };
    }

    /** strerror(errno), from the C library itself. */
    public static String describe(int errno) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            int n = LibNana.strerrorRaw(errno, buf, 256);
            return n > 0 ? buf.getString(0) : "errno " + errno;
        } catch (NativeUnavailableException e) {
            return "errno " + errno;
        }
    }
}
