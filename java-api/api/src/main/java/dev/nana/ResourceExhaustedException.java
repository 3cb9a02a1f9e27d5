package dev.nana;

/**
 * nana holds as much as it may now (streams, subscribers, commands, the daemon's memory budget):
 * the call was refused before it took anything; it may succeed once others end.
 */
public final class ResourceExhaustedException extends NanaException {
    private static final long serialVersionUID = 1L;

    /**
     * An error with its message.
     *
     * @param message what was full, its limit, and what to do
     */
    public ResourceExhaustedException(String message) {
        super(message, null);
    }

    /**
     * An error with its message and cause.
     *
     * @param message what was full, its limit, and what to do
     * @param cause what failed underneath
     */
    public ResourceExhaustedException(String message, Throwable cause) {
        super(message, cause);
    }
}
