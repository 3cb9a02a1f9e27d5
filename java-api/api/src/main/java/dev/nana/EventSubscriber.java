package dev.nana;

import java.time.Instant;

/**
 * Receives events, in journal order, on a thread of its own subscription: a slow subscriber delays
 * only itself, and one that throws has the exception logged while delivery goes on. A subscriber
 * that falls far behind catches up from the journal and misses nothing; only if the journal was
 * rotated past it is it told, with {@link #onFellBehind}, from when events were lost.
 *
 * <p>A subscription to a daemon survives the daemon's restart: it subscribes again from its last
 * event, without gap or duplicate. If it cannot (the daemon stays away), it ends with {@link
 * #onClosed}.
 */
@FunctionalInterface
public interface EventSubscriber {
    /**
     * One event.
     *
     * @param event what happened
     */
    void onEvent(Event event);

    /**
     * Events from {@code lostFrom} on could not be delivered (rotated out of the journal).
     *
     * @param lostFrom the time of the first lost event
     */
    default void onFellBehind(Instant lostFrom) {}

    /**
     * The subscription ended for a reason other than its own {@link Subscription#close()}, and no
     * more events come: the daemon stayed unreachable, or the supervisor was closed.
     *
     * @param cause why
     */
    default void onClosed(NanaException cause) {}
}
