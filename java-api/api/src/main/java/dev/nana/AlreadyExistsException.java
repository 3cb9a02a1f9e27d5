package dev.nana;

/** The id is taken, or the thing exists already. */
public final class AlreadyExistsException extends NanaException {
    private static final long serialVersionUID = 1L;

    /**
     * An error with its message.
     *
     * @param message what was wrong and what to do, naming the thing
     */
    public AlreadyExistsException(String message) {
        super(message, null);
    }

    /**
     * An error with its message and cause.
     *
     * @param message what was wrong and what to do, naming the thing
     * @param cause what failed underneath
     */
    public AlreadyExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
