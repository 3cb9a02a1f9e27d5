package dev.nana.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;

/**
 * When a long call (a subscription, a wait) whose stream broke is made again: the daemon went away
 * (a restart: it restores everything and answers again), and not for longer than {@link #WINDOW}.
 */
final class Reconnect {
    /** How long a broken stream keeps trying to reach a daemon again. */
    static final Duration WINDOW = Duration.ofSeconds(60);

    /** Between two tries: the daemon restores in about a second. */
    static final Duration PAUSE = Duration.ofMillis(200);

    private long outageStart; // System.nanoTime() of the first failure in a row, or 0

    /**
     * Whether to try again after failure t: the daemon could not be reached (UNAVAILABLE), or its
     * stream ended without an answer, and the window has not passed.
     */
    synchronized boolean again(Throwable t) {
        boolean gone =
                t == null // the server ended the stream without an answer: it is shutting down
                        || (t instanceof StatusRuntimeException s
                                && (s.getStatus().getCode() == Status.Code.UNAVAILABLE
                                        || (s.getStatus().getCode() == Status.Code.CANCELLED
                                                && !(s.getCause()
                                                        instanceof InterruptedException))));
        if (!gone) return false;
        long now = System.nanoTime();
        if (outageStart == 0) outageStart = now;
        return now - outageStart < WINDOW.toNanos();
    }

    /** The stream works again: a later outage gets its own window. */
    synchronized void reached() {
        outageStart = 0;
    }
}
