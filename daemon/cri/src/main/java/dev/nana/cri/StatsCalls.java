package dev.nana.cri;

import dev.nana.ContainerInfo;
import dev.nana.ContainerStatus;
import dev.nana.FailedPreconditionException;
import dev.nana.Stats;
import dev.nana.Supervisor;
import dev.nana.cri.v1.ContainerAttributes;
import dev.nana.cri.v1.ContainerState;
import dev.nana.cri.v1.ContainerStats;
import dev.nana.cri.v1.ContainerStatsFilter;
import dev.nana.cri.v1.CpuUsage;
import dev.nana.cri.v1.FilesystemIdentifier;
import dev.nana.cri.v1.FilesystemUsage;
import dev.nana.cri.v1.LinuxPodSandboxStats;
import dev.nana.cri.v1.ListContainerStatsRequest;
import dev.nana.cri.v1.ListContainerStatsResponse;
import dev.nana.cri.v1.ListPodSandboxStatsRequest;
import dev.nana.cri.v1.ListPodSandboxStatsResponse;
import dev.nana.cri.v1.MemoryUsage;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.NetworkInterfaceUsage;
import dev.nana.cri.v1.NetworkUsage;
import dev.nana.cri.v1.PodSandboxAttributes;
import dev.nana.cri.v1.PodSandboxStats;
import dev.nana.cri.v1.PodSandboxStatsFilter;
import dev.nana.cri.v1.ProcessUsage;
import dev.nana.images.ImageStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The CRI's statistics: a container's cgroup figures from the supervisor and its writable layer's
 * use; a pod's, its containers' summed with its pause container's, and its network namespace's
 * interfaces.
 */
final class StatsCalls {
    private final Supervisor supervisor;
    private final Sandboxes sandboxes;
    private final PodContainers containers;

    StatsCalls(Supervisor supervisor, Sandboxes sandboxes, PodContainers containers) {
        this.supervisor = supervisor;
        this.sandboxes = sandboxes;
        this.containers = containers;
    }

    /** A pod's statistics: its pause container's and running containers' summed, its network. */
    PodSandboxStats pod(String idOrPrefix) throws IOException {
        SandboxRecord s = sandboxes.get(idOrPrefix);
        ContainerInfo pause = CriReplies.info(supervisor, s.id());
        if (pause == null || pause.status() != ContainerStatus.RUNNING)
            throw new FailedPreconditionException(
                    "pod sandbox "
                            + s.podName()
                            + " ("
                            + s.id()
                            + ") is not ready: a stopped pod has no statistics");
        return podStats(s, pause);
    }

    ListPodSandboxStatsResponse pods(ListPodSandboxStatsRequest r) throws IOException {
        PodSandboxStatsFilter f = r.getFilter();
        ListPodSandboxStatsResponse.Builder b = ListPodSandboxStatsResponse.newBuilder();
        for (SandboxRecord s : sandboxes.all()) {
            if (!f.getId().isEmpty() && !s.id().startsWith(f.getId())) continue;
            if (!s.labels().entrySet().containsAll(f.getLabelSelectorMap().entrySet())) continue;
            ContainerInfo pause = CriReplies.info(supervisor, s.id());
            if (pause == null || pause.status() != ContainerStatus.RUNNING) continue;
            b.addStats(podStats(s, pause));
        }
        return b.build();
    }

    private PodSandboxStats podStats(SandboxRecord s, ContainerInfo pause) throws IOException {
        Stats p = supervisor.stats(s.id());
        long t = CriReplies.nanos(p.time());
        long cpu = p.cpuNanos();
        long usage = p.memoryBytes();
        long workingSet = workingSet(p);
        long pids = p.pids();
        LinuxPodSandboxStats.Builder linux = LinuxPodSandboxStats.newBuilder();
        for (CriContainerRecord c : containers.all()) {
            if (!c.sandboxId().equals(s.id())) continue;
            if (CriReplies.state(CriReplies.info(supervisor, c.id()))
                    != ContainerState.CONTAINER_RUNNING) continue;
            Stats cs = supervisor.stats(c.id());
            cpu += cs.cpuNanos();
            usage += cs.memoryBytes();
            workingSet += workingSet(cs);
            pids += cs.pids();
            linux.addContainers(stats(c, cs));
        }
        linux.setCpu(
                        CpuUsage.newBuilder()
                                .setTimestamp(t)
                                .setUsageCoreNanoSeconds(CriReplies.u64(cpu)))
                .setMemory(
                        MemoryUsage.newBuilder()
                                .setTimestamp(t)
                                .setWorkingSetBytes(CriReplies.u64(workingSet))
                                .setUsageBytes(CriReplies.u64(usage)))
                .setProcess(
                        ProcessUsage.newBuilder()
                                .setTimestamp(t)
                                .setProcessCount(CriReplies.u64(pids)));
        if (s.network() != NamespaceMode.NODE_VALUE && pause.pid() > 0) {
            // the pause process's /proc/PID/net/dev is its network namespace's
            List<NetworkInterfaceUsage> ifaces =
                    interfaces(
                            Files.readString(
                                    Path.of("/proc", Integer.toString(pause.pid()), "net", "dev")));
            NetworkUsage.Builder net =
                    NetworkUsage.newBuilder().setTimestamp(t).addAllInterfaces(ifaces);
            ifaces.stream()
                    .filter(i -> i.getName().equals(DEFAULT_INTERFACE))
                    .findFirst()
                    .ifPresent(net::setDefaultInterface);
            linux.setNetwork(net);
        }
        return PodSandboxStats.newBuilder()
                .setAttributes(
                        PodSandboxAttributes.newBuilder()
                                .setId(s.id())
                                .setMetadata(SandboxCalls.metadata(s))
                                .putAllLabels(s.labels())
                                .putAllAnnotations(s.annotations()))
                .setLinux(linux)
                .build();
    }

    private static final Pattern SPACES = Pattern.compile("\\s+");

    /** The interface the CNI bridge plugin gives a pod (as containerd names its default). */
    static final String DEFAULT_INTERFACE = "eth0";

    /**
     * A network namespace's interfaces but the loopback, from its /proc/net/dev: two header lines,
     * then "name: rx_bytes rx_packets rx_errs … (8 fields) tx_bytes tx_packets tx_errs …".
     */
    static List<NetworkInterfaceUsage> interfaces(String procNetDev) {
        List<NetworkInterfaceUsage> out = new ArrayList<>();
        for (String line : procNetDev.lines().skip(2).toList()) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String name = line.substring(0, colon).strip();
            String[] f = SPACES.split(line.substring(colon + 1).strip(), -1);
            if (name.equals("lo") || f.length < 11) continue;
            try {
                out.add(
                        NetworkInterfaceUsage.newBuilder()
                                .setName(name)
                                .setRxBytes(CriReplies.u64(Long.parseUnsignedLong(f[0])))
                                .setRxErrors(CriReplies.u64(Long.parseUnsignedLong(f[2])))
                                .setTxBytes(CriReplies.u64(Long.parseUnsignedLong(f[8])))
                                .setTxErrors(CriReplies.u64(Long.parseUnsignedLong(f[10])))
                                .build());
            } catch (NumberFormatException e) {
                // not a counters line: skipped
            }
        }
        return out;
    }

    private static long workingSet(Stats s) {
        return Math.max(0, s.memoryBytes() - s.memoryCacheBytes());
    }

    ContainerStats one(String id) throws IOException {
        CriContainerRecord c = containers.get(id);
        return stats(c, supervisor.stats(c.id()));
    }

    ListContainerStatsResponse list(ListContainerStatsRequest r) throws IOException {
        ContainerStatsFilter f = r.getFilter();
        ListContainerStatsResponse.Builder b = ListContainerStatsResponse.newBuilder();
        for (CriContainerRecord c : containers.all()) {
            if (!CriReplies.matches(c, f.getId(), f.getPodSandboxId(), f.getLabelSelectorMap()))
                continue;
            if (CriReplies.state(CriReplies.info(supervisor, c.id()))
                    != ContainerState.CONTAINER_RUNNING) continue;
            b.addStats(stats(c, supervisor.stats(c.id())));
        }
        return b.build();
    }

    private ContainerStats stats(CriContainerRecord c, Stats s) throws IOException {
        long t = CriReplies.nanos(s.time());
        long limit = s.memoryLimitBytes();
        long workingSet = workingSet(s);
        MemoryUsage.Builder memory =
                MemoryUsage.newBuilder()
                        .setTimestamp(t)
                        .setWorkingSetBytes(CriReplies.u64(workingSet))
                        .setUsageBytes(CriReplies.u64(s.memoryBytes()));
        if (limit > 0 && limit < Long.MAX_VALUE / 2)
            memory.setAvailableBytes(CriReplies.u64(Math.max(0, limit - workingSet)));
        long[] upper = ImageStore.diskUsage(containers.dir(c.id()).resolve("upper"));
        return ContainerStats.newBuilder()
                .setAttributes(
                        ContainerAttributes.newBuilder()
                                .setId(c.id())
                                .setMetadata(CriReplies.metadata(c))
                                .putAllLabels(c.labels())
                                .putAllAnnotations(c.annotations()))
                .setCpu(
                        CpuUsage.newBuilder()
                                .setTimestamp(t)
                                .setUsageCoreNanoSeconds(CriReplies.u64(s.cpuNanos())))
                .setMemory(memory)
                .setWritableLayer(
                        FilesystemUsage.newBuilder()
                                .setTimestamp(t)
                                .setFsId(
                                        FilesystemIdentifier.newBuilder()
                                                .setMountpoint(
                                                        containers
                                                                .dir(c.id())
                                                                .resolve("upper")
                                                                .toString()))
                                .setUsedBytes(CriReplies.u64(upper[0]))
                                .setInodesUsed(CriReplies.u64(upper[1])))
                .build();
    }
}
