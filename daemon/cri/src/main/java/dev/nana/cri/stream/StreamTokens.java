package dev.nana.cri.stream;

import dev.nana.ResourceExhaustedException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The streaming server's tokens: each names one request the CRI accepted (an exec, an attach, a
 * port-forward), is good for one connection, and expires unused after its time to live (the
 * kubelet's: {@link #DEFAULT_TTL}), as the kubelet's streaming server's are. Their number is
 * bounded: a client that asks for URLs it never uses fills nothing but this table, and is refused
 * past it.
 *
 * @param <R> what a token stands for
 */
public final class StreamTokens<R> {
    /** How long a token waits for its connection by default (the kubelet's: one minute). */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(1);

    /** Tokens waiting at once, at most. */
    public static final int MAX_PENDING = 1024;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Pending<R>> pending = new LinkedHashMap<>();

    private record Pending<R>(R request, Instant expires) {}

    /** Tokens that expire ttl after they are issued, by clock. */
    public StreamTokens(Clock clock, Duration ttl) {
        if (ttl.isNegative() || ttl.isZero())
            throw new IllegalArgumentException("a token's time to live must be above 0: " + ttl);
        this.clock = clock;
        this.ttl = ttl;
    }

    /** A new token for request; ResourceExhaustedException when too many wait unused. */
    public synchronized String issue(R request) {
        sweep();
        if (pending.size() >= MAX_PENDING)
            throw new ResourceExhaustedException(
                    MAX_PENDING
                            + " streaming URLs wait unused: connect to them (they expire after "
                            + ttl.toMillis() / 1000.0
                            + " s), or ask for fewer");
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        pending.put(token, new Pending<>(request, clock.instant().plus(ttl)));
        return token;
    }

    /** What token stands for, once: it is spent by this call. Empty when unknown or expired. */
    public synchronized Optional<R> redeem(String token) {
        sweep();
        Pending<R> p = pending.remove(token);
        return p == null ? Optional.empty() : Optional.of(p.request());
    }

    /** Drops the expired, oldest first (the table is in issue order). */
    private void sweep() {
        Instant now = clock.instant();
        for (Iterator<Pending<R>> it = pending.values().iterator(); it.hasNext(); ) {
            if (it.next().expires().isAfter(now)) break;
            it.remove();
        }
    }
}
