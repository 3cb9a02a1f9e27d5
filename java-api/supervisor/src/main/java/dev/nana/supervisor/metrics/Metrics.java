package dev.nana.supervisor.metrics;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The supervisor's counters, in Prometheus's text exposition format: plain atomics, updated where
 * things happen, read without locks by the metrics endpoint.
 */
public final class Metrics {
    /** Upper bounds (seconds) of the start latency histogram's buckets. */
    static final double[] START_BUCKETS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final AtomicLong starts = new AtomicLong();
    private final AtomicLong startFailures = new AtomicLong();
    private final AtomicLong exits = new AtomicLong();
    private final AtomicLong oomKills = new AtomicLong();
    private final AtomicLongArray startBuckets = new AtomicLongArray(START_BUCKETS.length + 1);
    private final AtomicLong startNanosSum = new AtomicLong();

    public void started(long nanos) {
        starts.incrementAndGet();
        startNanosSum.addAndGet(nanos);
        double seconds = nanos / 1e9;
        int i = 0;
        while (i < START_BUCKETS.length && seconds > START_BUCKETS[i]) i++;
        startBuckets.incrementAndGet(i);
    }

    public void startFailed() {
        startFailures.incrementAndGet();
    }

    public void exited() {
        exits.incrementAndGet();
    }

    public void oomKilled() {
        oomKills.incrementAndGet();
    }

    /** What the supervisor knows at the moment of a scrape. */
    public record Gauges(
            int created, int running, int paused, int stopped, int queueDepth, int subscribers) {}

    /** The exposition text. */
    public String render(Gauges g) {
        StringBuilder b = new StringBuilder();
        b.append("# HELP nana_containers Containers by state.\n# TYPE nana_containers gauge\n");
        b.append("nana_containers{state=\"created\"} ").append(g.created()).append('\n');
        b.append("nana_containers{state=\"running\"} ").append(g.running()).append('\n');
        b.append("nana_containers{state=\"paused\"} ").append(g.paused()).append('\n');
        b.append("nana_containers{state=\"stopped\"} ").append(g.stopped()).append('\n');
        counter(b, "nana_starts_total", "Containers started.", starts.get());
        counter(
                b,
                "nana_start_failures_total",
                "Creates or starts that failed.",
                startFailures.get());
        counter(b, "nana_exits_total", "Container exits seen.", exits.get());
        counter(b, "nana_oom_kills_total", "OOM kills seen.", oomKills.get());
        b.append("# HELP nana_start_seconds Time from a create request to a running container.\n");
        b.append("# TYPE nana_start_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i < START_BUCKETS.length; i++) {
            cumulative += startBuckets.get(i);
            b.append("nana_start_seconds_bucket{le=\"")
                    .append(START_BUCKETS[i])
                    .append("\"} ")
                    .append(cumulative)
                    .append('\n');
        }
        cumulative += startBuckets.get(START_BUCKETS.length);
        b.append("nana_start_seconds_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
        b.append("nana_start_seconds_sum ").append(startNanosSum.get() / 1e9).append('\n');
        b.append("nana_start_seconds_count ").append(cumulative).append('\n');
        gauge(b, "nana_event_loop_queue_depth", "Tasks waiting on the event loop.", g.queueDepth());
        gauge(b, "nana_event_subscribers", "Live event subscriptions.", g.subscribers());
        return b.toString();
    }

    private static void counter(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ")
                .append(name)
                .append(' ')
                .append(help)
                .append("\n# TYPE ")
                .append(name)
                .append(" counter\n")
                .append(name)
                .append(' ')
                .append(v)
                .append('\n');
    }

    private static void gauge(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ")
                .append(name)
                .append(' ')
                .append(help)
                .append("\n# TYPE ")
                .append(name)
                .append(" gauge\n")
                .append(name)
                .append(' ')
                .append(v)
                .append('\n');
    }
}
