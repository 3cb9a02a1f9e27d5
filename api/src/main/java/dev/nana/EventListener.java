package dev.nana;

import java.time.Instant;

/**
 * Receives events, in journal order, on a thread of its own subscription: a slow listener delays
 * only itself. A listener that falls far behind catches up from the journal and misses nothing;
 * only if the journal was rotated past it is it told, with {@link #onFellBehind}, from when events
 * were lost.
 */
@FunctionalInterface
public interface EventListener {
    void onEvent(Event event);

    /** Events from {@code lostFrom} on could not be delivered (rotated out of the journal). */
    default void onFellBehind(Instant lostFrom) {}
}
