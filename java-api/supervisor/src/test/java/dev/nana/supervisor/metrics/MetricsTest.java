package dev.nana.supervisor.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void rendersPrometheusTextWithACumulativeHistogram() {
        Metrics m = new Metrics();
        m.started(20_000_000); // 0.02 s
        m.started(300_000_000); // 0.3 s
        m.exited();
        m.oomKilled();
        m.startFailed();
        String text = m.render(new Metrics.Gauges(1, 2, 0, 3, 4, 5));
        assertTrue(text.contains("nana_containers{state=\"running\"} 2\n"), text);
        assertTrue(text.contains("nana_starts_total 2\n"), text);
        assertTrue(text.contains("nana_exits_total 1\n"), text);
        assertTrue(text.contains("nana_oom_kills_total 1\n"), text);
        assertTrue(text.contains("nana_start_failures_total 1\n"), text);
        assertTrue(text.contains("nana_start_seconds_bucket{le=\"0.01\"} 0\n"), text);
        assertTrue(text.contains("nana_start_seconds_bucket{le=\"0.025\"} 1\n"), text);
        assertTrue(text.contains("nana_start_seconds_bucket{le=\"0.5\"} 2\n"), text);
        assertTrue(text.contains("nana_start_seconds_bucket{le=\"+Inf\"} 2\n"), text);
        assertTrue(text.contains("nana_start_seconds_count 2\n"), text);
        assertTrue(text.contains("nana_event_loop_queue_depth 4\n"), text);
        assertTrue(text.contains("nana_event_subscribers 5\n"), text);
    }
}
