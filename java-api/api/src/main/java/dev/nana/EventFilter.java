package dev.nana;

import java.util.Set;

/**
 * Which events a subscriber wants: by type and by container id; an empty set means all.
 *
 * @param types the event types, or empty for all
 * @param ids the container ids, or empty for all
 */
public record EventFilter(Set<EventType> types, Set<String> ids) {
    /** Every event. */
    public static final EventFilter ALL = new EventFilter(Set.of(), Set.of());

    /** Copies the sets (null for none: all). */
    public EventFilter {
        types = types == null ? Set.of() : Set.copyOf(types);
        ids = ids == null ? Set.of() : Set.copyOf(ids);
    }

    /**
     * The events of these containers.
     *
     * @param ids the container ids
     * @return the filter
     */
    public static EventFilter of(String... ids) {
        return new EventFilter(Set.of(), Set.of(ids));
    }

    /**
     * The events of these types, of every container.
     *
     * @param types the event types
     * @return the filter
     */
    public static EventFilter types(EventType... types) {
        return new EventFilter(Set.of(types), Set.of());
    }

    /**
     * Whether e matches.
     *
     * @param e an event
     * @return whether it matches
     */
    public boolean test(Event e) {
        return (types.isEmpty() || types.contains(e.type()))
                && (ids.isEmpty() || ids.contains(e.id()));
    }
}
