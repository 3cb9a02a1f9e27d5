package dev.nana;

/**
 * An operation did not finish in time: the runtime hung past the supervisor's timeout (the runtime
 * and everything it started were killed), or a call's own timeout came first (the operation may
 * still complete; look with {@link Supervisor#state}).
 */
public final class DeadlineExceededException extends NanaException {
    private static final long serialVersionUID = 1L;

    public DeadlineExceededException(String message) {
        super(message, null);
    }

    public DeadlineExceededException(String message, Throwable cause) {
        super(message, cause);
    }
}
