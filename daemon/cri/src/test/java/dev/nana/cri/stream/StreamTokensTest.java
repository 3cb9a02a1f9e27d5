package dev.nana.cri.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.ResourceExhaustedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StreamTokensTest {
    /** A clock the test moves. */
    private static final class Manual extends Clock {
        Instant now = Instant.parse("2026-12-05T12:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void aTokenServesOnceAndIsUnguessable() {
        StreamTokens<String> tokens =
                new StreamTokens<>(Clock.systemUTC(), StreamTokens.DEFAULT_TTL);
        String a = tokens.issue("exec a");
        String b = tokens.issue("exec b");
        assertNotEquals(a, b);
        assertTrue(a.matches("[A-Za-z0-9_-]{24}"), a);
        assertEquals(Optional.of("exec a"), tokens.redeem(a));
        assertEquals(Optional.empty(), tokens.redeem(a), "spent");
        assertEquals(Optional.empty(), tokens.redeem("made-up"));
        assertEquals(Optional.of("exec b"), tokens.redeem(b));
    }

    @Test
    void aTokenExpiresAfterAMinuteUnused() {
        Manual clock = new Manual();
        StreamTokens<String> tokens = new StreamTokens<>(clock, StreamTokens.DEFAULT_TTL);
        String early = tokens.issue("early");
        clock.now = clock.now.plus(Duration.ofSeconds(30));
        String late = tokens.issue("late");
        clock.now = clock.now.plus(Duration.ofSeconds(31));
        assertEquals(Optional.empty(), tokens.redeem(early), "61 s old");
        assertEquals(Optional.of("late"), tokens.redeem(late), "31 s old");
    }

    @Test
    void tokensLeftUnusedAreBoundedAndFreedByTime() {
        Manual clock = new Manual();
        StreamTokens<Integer> tokens = new StreamTokens<>(clock, StreamTokens.DEFAULT_TTL);
        for (int i = 0; i < StreamTokens.MAX_PENDING; i++) tokens.issue(i);
        ResourceExhaustedException e =
                assertThrows(ResourceExhaustedException.class, () -> tokens.issue(-1));
        assertTrue(e.getMessage().contains("wait unused"), e.getMessage());
        clock.now = clock.now.plus(StreamTokens.DEFAULT_TTL);
        tokens.issue(0); // the expired are swept first
    }
}
