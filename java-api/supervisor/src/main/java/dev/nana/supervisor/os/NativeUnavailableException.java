package dev.nana.supervisor.os;

/** libnana cannot be used: the message says why and what to do. Unchecked: it is a setup error. */
public final class NativeUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NativeUnavailableException(String message) {
        super(message);
    }
}
