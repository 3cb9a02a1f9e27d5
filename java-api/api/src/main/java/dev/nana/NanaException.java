package dev.nana;

/**
 * nana's domain errors: a small family, mapped once to API status codes and once to CLI exit codes.
 * Every message names the container or thing, what was wrong, and what to do about it.
 */
public abstract sealed class NanaException extends RuntimeException
        permits NotFoundException,
                AlreadyExistsException,
                InvalidArgumentException,
                FailedPreconditionException,
                UnavailableException,
                DeadlineExceededException,
                ResourceExhaustedException {
    private static final long serialVersionUID = 1L;

    /**
     * An error of the family.
     *
     * @param message what was wrong and what to do, naming the thing
     * @param cause what failed underneath, or null
     */
    protected NanaException(String message, Throwable cause) {
        super(message, cause);
    }
}
