package dev.nana;

/** nana cannot serve now: a part is missing or broken (libnana, the shim, a runtime). */
public final class UnavailableException extends NanaException {
    private static final long serialVersionUID = 1L;

    public UnavailableException(String message) {
        super(message, null);
    }

    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
