package dev.nana;

/** The id is taken, or the thing exists already. */
public final class AlreadyExistsException extends NanaException {
    private static final long serialVersionUID = 1L;

    public AlreadyExistsException(String message) {
        super(message, null);
    }

    public AlreadyExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
