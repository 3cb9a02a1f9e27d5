package dev.nana;

/** nana cannot serve now: a part is missing or broken (libnana, the shim, a runtime). */
public final class UnavailableException extends NanaException {
    private static final long serialVersionUID = 1L;

    /**
     * An error with its message.
     *
     * @param message what was wrong and what to do, naming the thing
     */
    public UnavailableException(String message) {
        super(message, null);
    }

    /**
     * An error with its message and cause.
     *
     * @param message what was wrong and what to do, naming the thing
     * @param cause what failed underneath
     */
    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
