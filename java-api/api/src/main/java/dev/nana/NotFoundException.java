package dev.nana;

/** No such container, process or file. */
public final class NotFoundException extends NanaException {
    private static final long serialVersionUID = 1L;

    /**
     * An error with its message.
     *
     * @param message what was wrong and what to do, naming the thing
     */
    public NotFoundException(String message) {
        super(message, null);
    }

    /**
     * An error with its message and cause.
     *
     * @param message what was wrong and what to do, naming the thing
     * @param cause what failed underneath
     */
    public NotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
