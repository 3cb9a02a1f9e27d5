package dev.nana.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.cri.v1.RuntimeServiceGrpc;
import dev.nana.cri.v1.VersionRequest;
import java.time.Duration;

/**
 * What a daemon is before an attack, and the checks during and after it: {@code nana ps} and a CRI
 * {@code Version} each answer within a second and the daemon never ran out of memory; after it, its
 * threads and resident memory come back to where they were, within 45 s (nana's pools let idle
 * threads go after 5 s, the virtual threads' scheduler a carrier it added for a blocked one after
 * 30 s): 2 threads of slack, and 32 MiB of memory, the heap's cap (the heap grows from its 8 MiB
 * start as an attack needs and stays committed; nothing beyond it may stay).
 *
 * @param rssKiB the daemon's resident memory before
 * @param threads its threads before
 */
public record Baseline(long rssKiB, long threads) {
    /** Warms the daemon (forwarded commands and the CRI's gRPC loaded) and measures it. */
    public static Baseline of(NanaCli nana) throws Exception {
        for (int i = 0; i < 20; i++) {
            NanaCli.Run ps = nana.run("ps");
            assertEquals(0, ps.exit(), "nana ps on a fresh daemon: " + ps.err() + nana.daemonLog());
        }
        for (int i = 0; i < 3; i++) criVersion(nana);
        long[] usage = nana.daemonUsage();
        return new Baseline(usage[0], usage[1]);
    }

    /**
     * During an attack: {@code nana ps} and a CRI {@code Version} answer within a second, and the
     * daemon has not run out of memory.
     */
    public static void answers(NanaCli nana, String when) throws Exception {
        long t0 = System.nanoTime();
        NanaCli.Run ps = nana.run("ps");
        long psMillis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, ps.exit(), when + ": nana ps: " + ps.err());
        assertTrue(psMillis < 1000, when + ": nana ps took " + psMillis + " ms");
        t0 = System.nanoTime();
        criVersion(nana);
        long criMillis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(criMillis < 1000, when + ": CRI Version took " + criMillis + " ms");
        assertFalse(
                nana.daemonLog().contains("OutOfMemoryError"),
                when + ": the daemon ran out of memory: " + nana.daemonLog());
    }

    /** After the attack: the daemon answers at once, and is back to its baseline. */
    public void stillServes(NanaCli nana, String after) throws Exception {
        answers(nana, after);
        await().atMost(Duration.ofSeconds(45))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(
                        () -> {
                            long[] now = nana.daemonUsage();
                            assertTrue(
                                    now[1] <= threads + 2,
                                    after
                                            + ": threads "
                                            + threads
                                            + " before, "
                                            + now[1]
                                            + " after: "
                                            + threadNames(nana));
                            assertTrue(
                                    now[0] <= rssKiB + 32 * 1024,
                                    after
                                            + ": RSS "
                                            + rssKiB
                                            + " KiB before, "
                                            + now[0]
                                            + " KiB after");
                        });
    }

    /** The daemon's threads by name (Linux's 15 characters), counted. */
    private static String threadNames(NanaCli nana) {
        java.util.Map<String, Integer> names = new java.util.TreeMap<>();
        try (var tasks =
                java.nio.file.Files.list(
                        java.nio.file.Path.of("/proc", Long.toString(nana.daemonPid()), "task"))) {
            for (var t : tasks.toList()) {
                try {
                    names.merge(
                            java.nio.file.Files.readString(t.resolve("comm")).strip(),
                            1,
                            Integer::sum);
                } catch (java.io.IOException gone) {
                    // the thread ended
                }
            }
        } catch (java.io.IOException e) {
            return e.toString();
        }
        return names.toString();
    }

    private static void criVersion(NanaCli nana) {
        try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
            assertEquals(
                    "nana",
                    RuntimeServiceGrpc.newBlockingStub(grpc.channel())
                            .withDeadlineAfter(Duration.ofSeconds(5))
                            .version(VersionRequest.getDefaultInstance())
                            .getRuntimeName());
        }
    }
}
