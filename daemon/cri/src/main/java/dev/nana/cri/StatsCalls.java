package dev.nana.cri;

import dev.nana.Stats;
import dev.nana.Supervisor;
import dev.nana.cri.v1.ContainerAttributes;
import dev.nana.cri.v1.ContainerState;
import dev.nana.cri.v1.ContainerStats;
import dev.nana.cri.v1.ContainerStatsFilter;
import dev.nana.cri.v1.CpuUsage;
import dev.nana.cri.v1.FilesystemIdentifier;
import dev.nana.cri.v1.FilesystemUsage;
import dev.nana.cri.v1.ListContainerStatsRequest;
import dev.nana.cri.v1.ListContainerStatsResponse;
import dev.nana.cri.v1.MemoryUsage;
import dev.nana.images.ImageStore;
import java.io.IOException;

/** The CRI's container statistics: cgroup figures from the supervisor, the writable layer's use. */
final class StatsCalls {
    private final Supervisor supervisor;
    private final PodContainers containers;

    StatsCalls(Supervisor supervisor, PodContainers containers) {
        this.supervisor = supervisor;
        this.containers = containers;
    }

    ContainerStats one(String id) throws IOException {
        return stats(containers.get(id));
    }

    ListContainerStatsResponse list(ListContainerStatsRequest r) throws IOException {
        ContainerStatsFilter f = r.getFilter();
        ListContainerStatsResponse.Builder b = ListContainerStatsResponse.newBuilder();
        for (CriContainerRecord c : containers.all()) {
            if (!CriReplies.matches(c, f.getId(), f.getPodSandboxId(), f.getLabelSelectorMap()))
                continue;
            if (CriReplies.state(CriReplies.info(supervisor, c.id()))
                    != ContainerState.CONTAINER_RUNNING) continue;
            b.addStats(stats(c));
        }
        return b.build();
    }

    private ContainerStats stats(CriContainerRecord c) throws IOException {
        Stats s = supervisor.stats(c.id());
        long t = CriReplies.nanos(s.time());
        long limit = s.memoryLimitBytes();
        long workingSet = Math.max(0, s.memoryBytes() - s.memoryCacheBytes());
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
