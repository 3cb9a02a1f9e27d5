package dev.nana;

import java.time.Instant;

/**
 * One thing that happened, as journaled in events.log and delivered to subscribers.
 *
 * @param seq position in the journal: strictly increasing, across supervisor restarts
 * @param time when it was published
 * @param type what happened
 * @param id the container
 * @param process "init", or an exec id
 * @param exitCode for EXIT: the exit code (or 128 + signal); else null
 */
public record Event(
        long seq, Instant time, EventType type, String id, String process, Integer exitCode) {}
