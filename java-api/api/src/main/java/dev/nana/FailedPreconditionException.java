package dev.nana;

/** The request is well formed but the state forbids it (e.g. the runtime refused). */
public final class FailedPreconditionException extends NanaException {
    private static final long serialVersionUID = 1L;

    /**
     * An error with its message.
     *
     * @param message what was wrong and what to do, naming the thing
     */
    public FailedPreconditionException(String message) {
        super(message, null);
    }

    /**
     * An error with its message and cause.
     *
     * @param message what was wrong and what to do, naming the thing
     * @param cause what failed underneath
     */
    public FailedPreconditionException(String message, Throwable cause) {
        super(message, cause);
    }
}
