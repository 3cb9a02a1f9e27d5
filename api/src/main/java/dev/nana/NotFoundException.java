package dev.nana;

/** No such container, process or file. */
public final class NotFoundException extends NanaException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message, null);
    }

    public NotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
