package dev.nana;

import java.util.Set;

/**
 * Which events a subscriber wants: by type and by container id; an empty set means all.
 *
 * @param types the event types, or empty for all
 * @param ids the container ids, or empty for all
 */
public record EventFilter(Set<EventType> types, Set<String> ids) {
    public static final EventFilter ALL = new EventFilter(Set.of(), Set.of());

    public EventFilter {
        types = Set.copyOf(types);
        ids = Set.copyOf(ids);
    }

    /** The events of these containers. */
    public static EventFilter of(String... ids) {
        return new EventFilter(Set.of(), Set.of(ids));
    }

    /** The events of these types, of every container. */
    public static EventFilter types(EventType... types) {
        return new EventFilter(Set.of(types), Set.of());
    }

    /** Whether e matches. */
    public boolean test(Event e) {
        return (types.isEmpty() || types.contains(e.type()))
                && (ids.isEmpty() || ids.contains(e.id()));
    }
}
