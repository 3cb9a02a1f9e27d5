package dev.nana.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nana.Stats;
import dev.nana.cri.v1.Metric;
import dev.nana.cri.v1.MetricDescriptor;
import dev.nana.cri.v1.MetricType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PodMetricsTest {
    private static final List<String> BASE = PodMetrics.labels("c1", "app", "busybox:1");
    private static final Stats STATS =
            new Stats(
                    "c1",
                    Instant.ofEpochSecond(1_700_000_000L, 5),
                    2_999_999_999L, // cpu: 2.99… s
                    10_000, // memory
                    9223372036854771712L, // v1's "unlimited"
                    4_000, // cache
                    2, // OOM kills
                    3, // pids
                    0,
                    512, // read
                    1024); // written

    @Test
    void aCgroupsFiguresAreCadvisorsMetrics() {
        Map<String, Metric> m = byName(PodMetrics.cgroup(BASE, STATS));
        assertEquals(2, value(m, "container_cpu_usage_seconds_total"), "whole seconds");
        assertEquals(
                List.of("c1", "app", "busybox:1", "total"),
                m.get("container_cpu_usage_seconds_total").getLabelValuesList());
        assertEquals(10_000, value(m, "container_memory_usage_bytes"));
        assertEquals(6_000, value(m, "container_memory_working_set_bytes"), "usage less cache");
        assertEquals(4_000, value(m, "container_memory_cache"));
        assertEquals(0, value(m, "container_spec_memory_limit_bytes"), "no limit is 0");
        assertEquals(2, value(m, "container_oom_events_total"));
        assertEquals(3, value(m, "container_processes"));
        assertEquals(512, value(m, "container_fs_reads_bytes_total"));
        assertEquals(1024, value(m, "container_fs_writes_bytes_total"));
        assertEquals(1_700_000_000L, value(m, "container_last_seen"));
        assertEquals(MetricType.COUNTER, m.get("container_oom_events_total").getMetricType());
        assertEquals(MetricType.GAUGE, m.get("container_processes").getMetricType());
        assertEquals(0, m.get("container_processes").getTimestamp(), "gathered live: 0");
    }

    @Test
    void aLimitIsItsBytes() {
        Stats limited = new Stats("c1", Instant.EPOCH, 0, 0, 64L << 20, 0, 0, 0, 0, 0, 0);
        assertEquals(
                64L << 20,
                value(
                        byName(PodMetrics.cgroup(BASE, limited)),
                        "container_spec_memory_limit_bytes"));
    }

    @Test
    void aNamespacesInterfacesAreLabelledByName() {
        List<Metric> net = PodMetrics.network(BASE, NetDev.parse(NetDevTest.PROC_NET_DEV));
        assertEquals(8, net.size(), "eth0's eight counters, nothing of lo");
        Map<String, Metric> m = byName(net);
        assertEquals(-1L, value(m, "container_network_receive_bytes_total"), "unsigned, whole");
        assertEquals(42, value(m, "container_network_receive_packets_total"));
        assertEquals(4, value(m, "container_network_receive_packets_dropped_total"));
        assertEquals(3, value(m, "container_network_receive_errors_total"));
        assertEquals(2048, value(m, "container_network_transmit_bytes_total"));
        assertEquals(17, value(m, "container_network_transmit_packets_total"));
        assertEquals(2, value(m, "container_network_transmit_packets_dropped_total"));
        assertEquals(1, value(m, "container_network_transmit_errors_total"));
        for (Metric x : net)
            assertEquals(
                    List.of("c1", "app", "busybox:1", "eth0"), x.getLabelValuesList(), x.getName());
    }

    @Test
    void everyMetricGivenIsDescribedWithAsManyKeysAsItHasValues() {
        Map<String, MetricDescriptor> described =
                PodMetrics.descriptors().getDescriptorsList().stream()
                        .collect(Collectors.toMap(MetricDescriptor::getName, Function.identity()));
        assertEquals(PodMetrics.Def.values().length, described.size(), "one descriptor per name");
        List<Metric> all = new ArrayList<>(PodMetrics.cgroup(BASE, STATS));
        all.addAll(PodMetrics.network(BASE, NetDev.parse(NetDevTest.PROC_NET_DEV)));
        all.add(PodMetrics.Def.FS_USAGE.of(BASE, 4096));
        var given = new HashSet<String>();
        for (Metric m : all) {
            MetricDescriptor d = described.get(m.getName());
            assertEquals(m.getName(), d.getName(), "described");
            assertEquals(d.getLabelKeysCount(), m.getLabelValuesCount(), m.getName());
            given.add(m.getName());
        }
        assertEquals(described.keySet(), given, "and every one described is given");
        assertEquals(PodMetrics.BASE_KEYS, described.get("container_processes").getLabelKeysList());
    }

    @Test
    void labelsThatDoNotMatchTheKeysAreABug() {
        assertThrows(IllegalArgumentException.class, () -> PodMetrics.Def.CPU_USAGE.of(BASE, 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> PodMetrics.Def.PROCESSES.of(BASE, 1, "extra"));
    }

    private static Map<String, Metric> byName(List<Metric> metrics) {
        return metrics.stream().collect(Collectors.toMap(Metric::getName, Function.identity()));
    }

    private static long value(Map<String, Metric> m, String name) {
        return m.get(name).getValue().getValue();
    }
}
