package dev.nana.cri;

import dev.nana.Stats;
import dev.nana.cri.v1.ListMetricDescriptorsResponse;
import dev.nana.cri.v1.Metric;
import dev.nana.cri.v1.MetricDescriptor;
import dev.nana.cri.v1.MetricType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The CRI's metrics, for a kubelet that serves its {@code /metrics/cadvisor} from the runtime
 * (feature PodAndContainerStatsFromCRI): ListMetricDescriptors names them, ListPodSandboxMetrics
 * gives their values. Names, helps and label keys are cAdvisor's, as CRI-O gives them: every metric
 * is labelled id, name and image (a pod's own cgroup is named "POD", with no image), then cpu or
 * interface where cAdvisor has those.
 *
 * <p>A value is a whole number (the CRI's UInt64Value), so seconds are whole seconds, as CRI-O's
 * are; counters are unsigned and kept whole.
 */
final class PodMetrics {
    /** The labels every metric starts with. */
    static final List<String> BASE_KEYS = List.of("id", "name", "image");

    /** What a pod's own metrics are named: its pause container's cgroup and its network. */
    static final String POD = "POD";

    private PodMetrics() {}

    /** Every metric nana gives: its name, help, type and the label keys after the base ones. */
    enum Def {
        CPU_USAGE(
                "container_cpu_usage_seconds_total",
                "Cumulative cpu time consumed in seconds.",
                MetricType.COUNTER,
                "cpu"),
        MEMORY_USAGE(
                "container_memory_usage_bytes",
                "Current memory usage in bytes, including all memory regardless of when it was"
                        + " accessed",
                MetricType.GAUGE),
        MEMORY_WORKING_SET(
                "container_memory_working_set_bytes",
                "Current working set in bytes.",
                MetricType.GAUGE),
        MEMORY_CACHE(
                "container_memory_cache",
                "Number of bytes of page cache memory.",
                MetricType.GAUGE),
        MEMORY_LIMIT(
                "container_spec_memory_limit_bytes",
                "Memory limit for the container.",
                MetricType.GAUGE),
        OOM_EVENTS(
                "container_oom_events_total",
                "Count of out of memory events observed for the container",
                MetricType.COUNTER),
        PROCESSES(
                "container_processes",
                "Number of processes running inside the container.",
                MetricType.GAUGE),
        FS_READS(
                "container_fs_reads_bytes_total",
                "Cumulative count of bytes read",
                MetricType.COUNTER),
        FS_WRITES(
                "container_fs_writes_bytes_total",
                "Cumulative count of bytes written",
                MetricType.COUNTER),
        FS_USAGE(
                "container_fs_usage_bytes",
                "Number of bytes that are consumed by the container on this filesystem.",
                MetricType.GAUGE),
        LAST_SEEN(
                "container_last_seen",
                "Last time a container was seen by the exporter",
                MetricType.GAUGE),
        NETWORK_RECEIVE_BYTES(
                "container_network_receive_bytes_total",
                "Cumulative count of bytes received",
                MetricType.COUNTER,
                "interface"),
        NETWORK_RECEIVE_PACKETS(
                "container_network_receive_packets_total",
                "Cumulative count of packets received",
                MetricType.COUNTER,
                "interface"),
        NETWORK_RECEIVE_DROPPED(
                "container_network_receive_packets_dropped_total",
                "Cumulative count of packets dropped while receiving",
                MetricType.COUNTER,
                "interface"),
        NETWORK_RECEIVE_ERRORS(
                "container_network_receive_errors_total",
                "Cumulative count of errors encountered while receiving",
                MetricType.COUNTER,
                "interface"),
        NETWORK_TRANSMIT_BYTES(
                "container_network_transmit_bytes_total",
                "Cumulative count of bytes transmitted",
                MetricType.COUNTER,
                "interface"),
        NETWORK_TRANSMIT_PACKETS(
                "container_network_transmit_packets_total",
                "Cumulative count of packets transmitted",
                MetricType.COUNTER,
                "interface"),
        NETWORK_TRANSMIT_DROPPED(
                "container_network_transmit_packets_dropped_total",
                "Cumulative count of packets dropped while transmitting",
                MetricType.COUNTER,
                "interface"),
        NETWORK_TRANSMIT_ERRORS(
                "container_network_transmit_errors_total",
                "Cumulative count of errors encountered while transmitting",
                MetricType.COUNTER,
                "interface");

        final String metricName;
        final String help;
        final MetricType type;
        private final String extraKey; // a label after the base ones, or null

        Def(String metricName, String help, MetricType type) {
            this(metricName, help, type, null);
        }

        Def(String metricName, String help, MetricType type, String extraKey) {
            this.metricName = metricName;
            this.help = help;
            this.type = type;
            this.extraKey = extraKey;
        }

        List<String> keys() {
            return extraKey == null
                    ? BASE_KEYS
                    : Stream.concat(BASE_KEYS.stream(), Stream.of(extraKey)).toList();
        }

        MetricDescriptor descriptor() {
            return MetricDescriptor.newBuilder()
                    .setName(metricName)
                    .setHelp(help)
                    .addAllLabelKeys(keys())
                    .build();
        }

        /** This metric's value, labelled base then extra (as many as its keys ask). */
        Metric of(List<String> base, long value, String... extra) {
            if (base.size() + extra.length != keys().size())
                throw new IllegalArgumentException(
                        metricName + " has labels " + keys() + ": " + base + " " + List.of(extra));
            // 0: gathered live, as the CRI asks of a metric that is not cached
            return Metric.newBuilder()
                    .setName(metricName)
                    .setMetricType(type)
                    .addAllLabelValues(base)
                    .addAllLabelValues(Arrays.asList(extra))
                    .setValue(CriReplies.u64(value))
                    .build();
        }
    }

    static ListMetricDescriptorsResponse descriptors() {
        ListMetricDescriptorsResponse.Builder b = ListMetricDescriptorsResponse.newBuilder();
        for (Def d : Def.values()) b.addDescriptors(d.descriptor());
        return b.build();
    }

    /** The base labels: id, name, image (empty when none). */
    static List<String> labels(String id, String name, String image) {
        return List.of(id, name, image == null ? "" : image);
    }

    /** A cgroup's metrics from its statistics, labelled base. */
    static List<Metric> cgroup(List<String> base, Stats s) {
        return List.of(
                Def.CPU_USAGE.of(base, s.cpuNanos() / 1_000_000_000L, "total"),
                Def.MEMORY_USAGE.of(base, s.memoryBytes()),
                Def.MEMORY_WORKING_SET.of(base, CriReplies.workingSet(s)),
                Def.MEMORY_CACHE.of(base, s.memoryCacheBytes()),
                Def.MEMORY_LIMIT.of(base, CriReplies.memoryLimit(s)),
                Def.OOM_EVENTS.of(base, s.oomKills()),
                Def.PROCESSES.of(base, s.pids()),
                Def.FS_READS.of(base, s.blockReadBytes()),
                Def.FS_WRITES.of(base, s.blockWriteBytes()),
                Def.LAST_SEEN.of(base, s.time().getEpochSecond()));
    }

    /** A network namespace's metrics, labelled base and each interface's name. */
    static List<Metric> network(List<String> base, List<NetDev> devs) {
        List<Metric> out = new ArrayList<>();
        for (NetDev d : devs) {
            String i = d.name();
            out.add(Def.NETWORK_RECEIVE_BYTES.of(base, d.rxBytes(), i));
            out.add(Def.NETWORK_RECEIVE_PACKETS.of(base, d.rxPackets(), i));
            out.add(Def.NETWORK_RECEIVE_DROPPED.of(base, d.rxDropped(), i));
            out.add(Def.NETWORK_RECEIVE_ERRORS.of(base, d.rxErrors(), i));
            out.add(Def.NETWORK_TRANSMIT_BYTES.of(base, d.txBytes(), i));
            out.add(Def.NETWORK_TRANSMIT_PACKETS.of(base, d.txPackets(), i));
            out.add(Def.NETWORK_TRANSMIT_DROPPED.of(base, d.txDropped(), i));
            out.add(Def.NETWORK_TRANSMIT_ERRORS.of(base, d.txErrors(), i));
        }
        return out;
    }
}
