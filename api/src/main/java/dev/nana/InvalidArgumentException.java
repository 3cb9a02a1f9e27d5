package dev.nana;

/** The request is malformed: an id, a path, a field, a value. */
public final class InvalidArgumentException extends NanaException {
    private static final long serialVersionUID = 1L;

    public InvalidArgumentException(String message) {
        super(message, null);
    }

    public InvalidArgumentException(String message, Throwable cause) {
        super(message, cause);
    }
}
