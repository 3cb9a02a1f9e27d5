package dev.nana.cri;

import dev.nana.ContainerInfo;
import dev.nana.ContainerStatus;
import dev.nana.FailedPreconditionException;
import dev.nana.NotFoundException;
import dev.nana.Stats;
import dev.nana.Supervisor;
import dev.nana.cri.v1.ContainerAttributes;
import dev.nana.cri.v1.ContainerMetrics;
import dev.nana.cri.v1.ContainerState;
import dev.nana.cri.v1.ContainerStats;
import dev.nana.cri.v1.ContainerStatsFilter;
import dev.nana.cri.v1.CpuUsage;
import dev.nana.cri.v1.FilesystemIdentifier;
import dev.nana.cri.v1.FilesystemUsage;
import dev.nana.cri.v1.LinuxPodSandboxStats;
import dev.nana.cri.v1.ListContainerStatsRequest;
import dev.nana.cri.v1.ListContainerStatsResponse;
import dev.nana.cri.v1.ListPodSandboxMetricsResponse;
import dev.nana.cri.v1.ListPodSandboxStatsRequest;
import dev.nana.cri.v1.ListPodSandboxStatsResponse;
import dev.nana.cri.v1.MemoryUsage;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.NetworkInterfaceUsage;
import dev.nana.cri.v1.NetworkUsage;
import dev.nana.cri.v1.PodSandboxAttributes;
import dev.nana.cri.v1.PodSandboxMetrics;
import dev.nana.cri.v1.PodSandboxStats;
import dev.nana.cri.v1.PodSandboxStatsFilter;
import dev.nana.cri.v1.ProcessUsage;
import dev.nana.images.ImageStore;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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
        long workingSet = CriReplies.workingSet(p);
        long pids = p.pids();
        LinuxPodSandboxStats.Builder linux = LinuxPodSandboxStats.newBuilder();
        for (CriContainerRecord c : containers.all()) {
            if (!c.sandboxId().equals(s.id())) continue;
            if (CriReplies.state(CriReplies.info(supervisor, c.id()))
                    != ContainerState.CONTAINER_RUNNING) continue;
            Stats cs = supervisor.stats(c.id());
            cpu += cs.cpuNanos();
            usage += cs.memoryBytes();
            workingSet += CriReplies.workingSet(cs);
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
            List<NetworkInterfaceUsage> ifaces = interfaces(NetDev.ofProcess(pause.pid()));
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

    /** The interface the CNI bridge plugin gives a pod (as containerd names its default). */
    static final String DEFAULT_INTERFACE = "eth0";

    /** A network namespace's interfaces (from {@link NetDev}) as the CRI's statistics give them. */
    static List<NetworkInterfaceUsage> interfaces(List<NetDev> devs) {
        return devs.stream()
                .map(
                        d ->
                                NetworkInterfaceUsage.newBuilder()
                                        .setName(d.name())
                                        .setRxBytes(CriReplies.u64(d.rxBytes()))
                                        .setRxErrors(CriReplies.u64(d.rxErrors()))
                                        .setTxBytes(CriReplies.u64(d.txBytes()))
                                        .setTxErrors(CriReplies.u64(d.txErrors()))
                                        .build())
                .toList();
    }

    /**
     * Every ready pod's metrics ({@link PodMetrics}): its own (its pause container's cgroup, its
     * network namespace's interfaces) and each running container's. One that stops while they are
     * read is left out, not an error: a scrape goes on.
     */
    ListPodSandboxMetricsResponse metrics() throws IOException {
        Map<String, List<CriContainerRecord>> bySandbox =
                containers.all().stream()
                        .collect(Collectors.groupingBy(CriContainerRecord::sandboxId));
        ListPodSandboxMetricsResponse.Builder b = ListPodSandboxMetricsResponse.newBuilder();
        for (SandboxRecord s : sandboxes.all()) {
            ContainerInfo pause = CriReplies.info(supervisor, s.id());
            if (pause == null || pause.status() != ContainerStatus.RUNNING) continue;
            Stats own = statsOf(s.id()); // its state was read just above
            if (own == null) continue;
            List<String> podLabels = PodMetrics.labels(s.id(), PodMetrics.POD, "");
            PodSandboxMetrics.Builder pod =
                    PodSandboxMetrics.newBuilder()
                            .setPodSandboxId(s.id())
                            .addAllMetrics(PodMetrics.cgroup(podLabels, own));
            if (s.network() != NamespaceMode.NODE_VALUE && pause.pid() > 0) {
                try {
                    pod.addAllMetrics(PodMetrics.network(podLabels, NetDev.ofProcess(pause.pid())));
                } catch (NoSuchFileException gone) {
                    continue; // the pod stopped as it was read
                }
            }
            for (CriContainerRecord c : bySandbox.getOrDefault(s.id(), List.of())) {
                Stats cs = statsIfRunning(c.id());
                if (cs == null) continue;
                List<String> labels = PodMetrics.labels(c.id(), c.name(), c.image());
                long[] upper = ImageStore.diskUsage(containers.dir(c.id()).resolve("upper"));
                pod.addContainerMetrics(
                        ContainerMetrics.newBuilder()
                                .setContainerId(c.id())
                                .addAllMetrics(PodMetrics.cgroup(labels, cs))
                                .addMetrics(PodMetrics.Def.FS_USAGE.of(labels, upper[0])));
            }
            b.addPodMetrics(pod);
        }
        return b.build();
    }

    /** A container's statistics, or null when it is not running (or no more). */
    private Stats statsIfRunning(String id) {
        if (CriReplies.state(CriReplies.info(supervisor, id)) != ContainerState.CONTAINER_RUNNING)
            return null;
        return statsOf(id);
    }

    /** The statistics of a container seen running, or null when it stopped meanwhile. */
    private Stats statsOf(String id) {
        try {
            return supervisor.stats(id);
        } catch (NotFoundException | FailedPreconditionException stopped) {
            return null;
        }
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
        long limit = CriReplies.memoryLimit(s);
        long workingSet = CriReplies.workingSet(s);
        MemoryUsage.Builder memory =
                MemoryUsage.newBuilder()
                        .setTimestamp(t)
                        .setWorkingSetBytes(CriReplies.u64(workingSet))
                        .setUsageBytes(CriReplies.u64(s.memoryBytes()));
        if (limit > 0) memory.setAvailableBytes(CriReplies.u64(Math.max(0, limit - workingSet)));
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
