package dev.nana.supervisor.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.nana.Event;
import dev.nana.EventType;
import java.time.Instant;
import java.util.Objects;

/**
 * One line of events.log: the public {@link Event} plus what restore needs to tell a journaled
 * event from a missing one (the container's uid, which an id reused after a delete does not share,
 * and the OOM kill's number).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JournalEntry(
        long seq,
        Instant time,
        EventType type,
        String id,
        String process,
        Integer exitCode,
        String uid,
        Integer n) {

    public Event event() {
        return new Event(seq, time, type, id, process, exitCode);
    }

    /**
     * Whether this entry records the same fact (same container instance, process, type, number).
     */
    public boolean sameFact(String uid, String process, EventType type, Integer n) {
        return this.type == type
                && Objects.equals(this.uid, uid)
                && Objects.equals(this.process, process)
                && Objects.equals(this.n, n);
    }
}
