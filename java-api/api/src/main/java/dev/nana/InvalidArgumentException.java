package dev.nana;

/** The request is malformed: an id, a path, a field, a value. */
public final class InvalidArgumentException extends NanaException {
    private static final long serialVersionUID = 1L;

    /**
     * An error with its message.
     *
     * @param message what was wrong and what to do, naming the thing
     */
    public InvalidArgumentException(String message) {
        super(message, null);
    }

    /**
     * An error with its message and cause.
     *
     * @param message what was wrong and what to do, naming the thing
     * @param cause what failed underneath
     */
    public InvalidArgumentException(String message, Throwable cause) {
        super(message, cause);
    }
}
