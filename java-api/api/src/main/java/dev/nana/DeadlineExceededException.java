package dev.nana;

/**
 * An operation did not finish in time: the runtime hung past the supervisor's timeout (the runtime
 * and everything it started were killed), or a call's own timeout came first (the operation may
 * still complete; look with {@link Supervisor#state}).
 */
public final class DeadlineExceededException extends NanaException {
    private static final long serialVersionUID = 1L;

    /**
     * An error with its message.
     *
     * @param message what was wrong and what to do, naming the thing
     */
    public DeadlineExceededException(String message) {
        super(message, null);
    }

    /**
     * An error with its message and cause.
     *
     * @param message what was wrong and what to do, naming the thing
     * @param cause what failed underneath
     */
    public DeadlineExceededException(String message, Throwable cause) {
        super(message, cause);
    }
}
