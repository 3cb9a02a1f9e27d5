package dev.nana;

/** The request is well formed but the state forbids it (e.g. the runtime refused). */
public final class FailedPreconditionException extends NanaException {
    private static final long serialVersionUID = 1L;

    public FailedPreconditionException(String message) {
        super(message, null);
    }

    public FailedPreconditionException(String message, Throwable cause) {
        super(message, cause);
    }
}
