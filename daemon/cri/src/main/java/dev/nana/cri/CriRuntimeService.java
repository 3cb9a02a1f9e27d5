package dev.nana.cri;

import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.ExitStatus;
import dev.nana.InvalidArgumentException;
import dev.nana.NotFoundException;
import dev.nana.Resources;
import dev.nana.Stats;
import dev.nana.Supervisor;
import dev.nana.cri.net.Cni;
import dev.nana.cri.v1.AttachRequest;
import dev.nana.cri.v1.AttachResponse;
import dev.nana.cri.v1.Container;
import dev.nana.cri.v1.ContainerAttributes;
import dev.nana.cri.v1.ContainerConfig;
import dev.nana.cri.v1.ContainerFilter;
import dev.nana.cri.v1.ContainerMetadata;
import dev.nana.cri.v1.ContainerState;
import dev.nana.cri.v1.ContainerStats;
import dev.nana.cri.v1.ContainerStatsFilter;
import dev.nana.cri.v1.ContainerStatsRequest;
import dev.nana.cri.v1.ContainerStatsResponse;
import dev.nana.cri.v1.ContainerStatusRequest;
import dev.nana.cri.v1.ContainerStatusResponse;
import dev.nana.cri.v1.CpuUsage;
import dev.nana.cri.v1.CreateContainerRequest;
import dev.nana.cri.v1.CreateContainerResponse;
import dev.nana.cri.v1.ExecRequest;
import dev.nana.cri.v1.ExecResponse;
import dev.nana.cri.v1.ExecSyncRequest;
import dev.nana.cri.v1.ExecSyncResponse;
import dev.nana.cri.v1.FilesystemIdentifier;
import dev.nana.cri.v1.FilesystemUsage;
import dev.nana.cri.v1.ImageSpec;
import dev.nana.cri.v1.LinuxContainerResources;
import dev.nana.cri.v1.ListContainerStatsRequest;
import dev.nana.cri.v1.ListContainerStatsResponse;
import dev.nana.cri.v1.ListContainersRequest;
import dev.nana.cri.v1.ListContainersResponse;
import dev.nana.cri.v1.ListPodSandboxRequest;
import dev.nana.cri.v1.ListPodSandboxResponse;
import dev.nana.cri.v1.MemoryUsage;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.PodSandboxStatusRequest;
import dev.nana.cri.v1.PodSandboxStatusResponse;
import dev.nana.cri.v1.PortForwardRequest;
import dev.nana.cri.v1.PortForwardResponse;
import dev.nana.cri.v1.RemoveContainerRequest;
import dev.nana.cri.v1.RemoveContainerResponse;
import dev.nana.cri.v1.RemovePodSandboxRequest;
import dev.nana.cri.v1.RemovePodSandboxResponse;
import dev.nana.cri.v1.ReopenContainerLogRequest;
import dev.nana.cri.v1.ReopenContainerLogResponse;
import dev.nana.cri.v1.RunPodSandboxRequest;
import dev.nana.cri.v1.RunPodSandboxResponse;
import dev.nana.cri.v1.RuntimeCondition;
import dev.nana.cri.v1.RuntimeServiceGrpc;
import dev.nana.cri.v1.RuntimeStatus;
import dev.nana.cri.v1.StartContainerRequest;
import dev.nana.cri.v1.StartContainerResponse;
import dev.nana.cri.v1.StatusRequest;
import dev.nana.cri.v1.StatusResponse;
import dev.nana.cri.v1.StopContainerRequest;
import dev.nana.cri.v1.StopContainerResponse;
import dev.nana.cri.v1.StopPodSandboxRequest;
import dev.nana.cri.v1.StopPodSandboxResponse;
import dev.nana.cri.v1.UInt64Value;
import dev.nana.cri.v1.UpdateContainerResourcesRequest;
import dev.nana.cri.v1.UpdateContainerResourcesResponse;
import dev.nana.cri.v1.UpdateRuntimeConfigRequest;
import dev.nana.cri.v1.UpdateRuntimeConfigResponse;
import dev.nana.cri.v1.VersionRequest;
import dev.nana.cri.v1.VersionResponse;
import dev.nana.grpc.Statuses;
import dev.nana.images.ImageRecord;
import dev.nana.images.ImageStore;
import dev.nana.images.RootFs;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.shim.ShimProtocol;
import dev.nana.supervisor.state.StateFiles;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CRI's runtime.v1.RuntimeService over nana's {@link Supervisor}: a pod sandbox is a nana container
 * running a pause process, with the same shim, state directory, restore and events as any other
 * ({@link PodSandboxCalls}, records in {@link Sandboxes}); a pod's containers are nana containers
 * too (here, records in {@link PodContainers}). The methods not overridden here answer
 * UNIMPLEMENTED.
 */
public final class CriRuntimeService extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(CriRuntimeService.class);

    /** The CRI version nana speaks (what containerd 1.6 answers too). */
    static final String CRI_VERSION = "0.1.0";

    private final Supervisor supervisor;
    private final Sandboxes sandboxes;
    private final PodNetworks networks;
    private final PodSandboxCalls pods;
    private final PodContainers containers;
    private final ImageStore images;
    private final Path stateDir;
    private final String version;

    /**
     * Serves CRI over supervisor, keeping CRI's own records under criRoot (a folder of the state
     * directory that is not a container's: {@code <state-dir>/.cri}), with images from images.
     */
    public CriRuntimeService(
            Supervisor supervisor, Path criRoot, ImageStore images, Cni cni, String version)
            throws IOException {
        this.supervisor = supervisor;
        this.sandboxes = CriRecords.sandboxes(supervisor, criRoot, cni);
        this.networks = new PodNetworks(cni, sandboxes);
        try {
            cni.installDefault();
        } catch (IOException e) {
            log.warn(
                    "nana's CNI configuration cannot be installed in {}: {}",
                    cni.confDir(),
                    e.toString());
        }
        this.containers = CriRecords.containers(supervisor, criRoot);
        this.pods = new PodSandboxCalls(supervisor, sandboxes, networks, containers);
        this.images = images;
        this.stateDir = criRoot.getParent();
        this.version = version;
    }

    /** Answers with call's value, or with the status its nana error maps to. */
    static <T> void reply(StreamObserver<T> out, Call<T> call) {
        T value;
        try {
            value = call.get();
        } catch (IOException e) {
            out.onError(Statuses.toStatus(new UncheckedIOException(e)));
            return;
        } catch (RuntimeException e) {
            out.onError(Statuses.toStatus(e));
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }

    @FunctionalInterface
    interface Call<T> {
        T get() throws IOException;
    }

    /** t in nanoseconds since the epoch, as the CRI counts times. */
    static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Override
    public void version(VersionRequest r, StreamObserver<VersionResponse> out) {
        reply(
                out,
                () ->
                        VersionResponse.newBuilder()
                                .setVersion(CRI_VERSION)
                                .setRuntimeName("nana")
                                .setRuntimeVersion(version)
                                .setRuntimeApiVersion("v1")
                                .build());
    }

    @Override
    public void status(StatusRequest r, StreamObserver<StatusResponse> out) {
        reply(
                out,
                () ->
                        StatusResponse.newBuilder()
                                .setStatus(
                                        RuntimeStatus.newBuilder()
                                                .addConditions(
                                                        RuntimeCondition.newBuilder()
                                                                .setType("RuntimeReady")
                                                                .setStatus(true))
                                                .addConditions(networkReady()))
                                .build());
    }

    private RuntimeCondition networkReady() {
        String why = networks.cni().notReady();
        RuntimeCondition.Builder c =
                RuntimeCondition.newBuilder().setType("NetworkReady").setStatus(why == null);
        if (why != null) c.setReason("NetworkPluginNotReady").setMessage(why);
        return c.build();
    }

    @Override
    public void updateRuntimeConfig(
            UpdateRuntimeConfigRequest r, StreamObserver<UpdateRuntimeConfigResponse> out) {
        // the pod CIDR is the CNI configuration's business (host-local's ranges), as in containerd
        reply(out, UpdateRuntimeConfigResponse::getDefaultInstance);
    }

    @Override
    public void runPodSandbox(RunPodSandboxRequest r, StreamObserver<RunPodSandboxResponse> out) {
        reply(out, () -> RunPodSandboxResponse.newBuilder().setPodSandboxId(pods.run(r)).build());
    }

    @Override
    public void stopPodSandbox(
            StopPodSandboxRequest r, StreamObserver<StopPodSandboxResponse> out) {
        reply(
                out,
                () -> {
                    pods.stop(r.getPodSandboxId());
                    return StopPodSandboxResponse.getDefaultInstance();
                });
    }

    @Override
    public void removePodSandbox(
            RemovePodSandboxRequest r, StreamObserver<RemovePodSandboxResponse> out) {
        reply(
                out,
                () -> {
                    pods.remove(r.getPodSandboxId(), this::removeContainer);
                    return RemovePodSandboxResponse.getDefaultInstance();
                });
    }

    @Override
    public void podSandboxStatus(
            PodSandboxStatusRequest r, StreamObserver<PodSandboxStatusResponse> out) {
        reply(out, () -> pods.status(r));
    }

    @Override
    public void listPodSandbox(
            ListPodSandboxRequest r, StreamObserver<ListPodSandboxResponse> out) {
        reply(out, () -> pods.list(r));
    }

    // ---- containers in pods

    @Override
    public void createContainer(
            CreateContainerRequest r, StreamObserver<CreateContainerResponse> out) {
        reply(out, () -> CreateContainerResponse.newBuilder().setContainerId(create(r)).build());
    }

    private String create(CreateContainerRequest r) throws IOException {
        SandboxRecord s = sandboxes.get(r.getPodSandboxId());
        ContainerConfig c = r.getConfig();
        if (!c.hasMetadata() || c.getMetadata().getName().isEmpty())
            throw new InvalidArgumentException("a container needs metadata with a name");
        CriLimits.check(
                "container " + c.getMetadata().getName(), c.getLabelsMap(), c.getAnnotationsMap());
        String ref = c.getImage().getImage();
        if (ref.isEmpty())
            throw new InvalidArgumentException(
                    "container " + c.getMetadata().getName() + " names no image: give one");
        ImageRecord image = images.find(ref);
        if (image == null) throw ImageStore.notFound(ref);
        if (image.diffIds().isEmpty())
            throw new InvalidArgumentException("image " + ref + " has no layers: nothing to run");
        ContainerInfo pause;
        try {
            pause = supervisor.state(s.id());
        } catch (NotFoundException e) {
            pause = null;
        }
        if (pause == null || pause.status() != ContainerStatus.RUNNING) {
            throw new dev.nana.FailedPreconditionException(
                    "pod sandbox " + s.id() + " is not ready: run a new one (RunPodSandbox)");
        }
        int targetPid = 0;
        var pidMode = c.getLinux().getSecurityContext().getNamespaceOptions();
        if (pidMode.getPid() == NamespaceMode.TARGET) {
            CriContainerRecord target = containers.get(pidMode.getTargetId());
            targetPid = supervisor.state(target.id()).pid();
        }
        String id = PodSandboxCalls.newId();
        String logPath =
                CriLogPaths.resolve(s.logDirectory(), c.getLogPath(), c.getMetadata().getName());
        List<CriContainerRecord.MountRecord> mounts = new ArrayList<>();
        for (var m : c.getMountsList())
            mounts.add(
                    new CriContainerRecord.MountRecord(
                            m.getContainerPath(),
                            m.getHostPath(),
                            m.getReadonly(),
                            m.getPropagationValue()));
        String digest = image.repoDigests().isEmpty() ? image.id() : image.repoDigests().getFirst();
        CriContainerRecord record =
                new CriContainerRecord(
                        id,
                        s.id(),
                        c.getMetadata().getName(),
                        c.getMetadata().getAttempt(),
                        ref,
                        image.id(),
                        digest,
                        Map.copyOf(c.getLabelsMap()),
                        Map.copyOf(c.getAnnotationsMap()),
                        logPath,
                        nanos(Instant.now()),
                        List.copyOf(mounts));
        Path bundle = containers.bundle(id);
        Path rootfs = bundle.resolve("rootfs");
        long preparing = System.nanoTime();
        long prepared;
        try {
            RootFs.mount(images, image, containers.dir(id), rootfs);
            var pod =
                    new ContainerBundle.Pod(
                            s,
                            sandboxes.dir(s.id()),
                            r.getSandboxConfig().getLinux().getCgroupParent(),
                            pause.pid(),
                            targetPid);
            var config =
                    images.config(
                            image,
                            imageConfig -> ContainerBundle.config(c, imageConfig, pod, rootfs, id));
            StateFiles.write(bundle.resolve("config.json"), config);
            prepared = System.nanoTime() - preparing;
            containers.add(record);
            ContainerSpec.Builder spec =
                    ContainerSpec.builder(id, bundle)
                            .label("io.kubernetes.cri.kind", "container")
                            .label("io.kubernetes.cri.sandbox", s.id());
            if (!s.runtimeHandler().isEmpty()) spec.runtime(s.runtimeHandler());
            if (!logPath.isEmpty()) spec.logFile(CriLogPaths.prepare(s.logDirectory(), logPath));
            supervisor.create(spec.build());
        } catch (IOException | RuntimeException e) {
            // no half-made container: its nana container, mount and folder go
            PodSandboxCalls.deleteIfCreated(supervisor, id);
            containers.remove(id);
            throw e;
        }
        // the root filesystem (an overlay of the stored layers) and the bundle: bench/pod-start
        // reads this figure
        log.info(
                "container {} ({}) created in pod sandbox {}; root filesystem and bundle ready in {} us",
                id,
                record.name(),
                s.id(),
                prepared / 1000);
        return id;
    }

    @Override
    public void startContainer(
            StartContainerRequest r, StreamObserver<StartContainerResponse> out) {
        reply(
                out,
                () -> {
                    supervisor.start(containers.get(r.getContainerId()).id());
                    return StartContainerResponse.getDefaultInstance();
                });
    }

    @Override
    public void stopContainer(StopContainerRequest r, StreamObserver<StopContainerResponse> out) {
        reply(
                out,
                () -> {
                    CriContainerRecord c = containers.find(r.getContainerId());
                    if (c != null) stop(c.id(), r.getTimeout());
                    return StopContainerResponse.getDefaultInstance();
                });
    }

    /** SIGTERM, up to timeout seconds for the exit, then SIGKILL (at once for a timeout of 0). */
    private void stop(String id, long timeoutSeconds) {
        ContainerInfo info;
        try {
            info = supervisor.state(id);
        } catch (NotFoundException e) {
            return;
        }
        if (info.status() == ContainerStatus.STOPPED) return;
        if (info.status() == ContainerStatus.CREATED) {
            PodSandboxCalls.killAndWait(supervisor, id); // never started: nothing to ask nicely
            return;
        }
        if (timeoutSeconds > 0) {
            supervisor.kill(id, 15, false);
            try {
                supervisor.waitForExit(id).get(timeoutSeconds, TimeUnit.SECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new dev.nana.UnavailableException("interrupted while stopping " + id, e);
            } catch (ExecutionException | TimeoutException e) {
                // past its grace: killed below
            }
        }
        PodSandboxCalls.killAndWait(supervisor, id);
    }

    @Override
    public void removeContainer(
            RemoveContainerRequest r, StreamObserver<RemoveContainerResponse> out) {
        reply(
                out,
                () -> {
                    CriContainerRecord c = containers.find(r.getContainerId());
                    if (c != null) removeContainer(c);
                    return RemoveContainerResponse.getDefaultInstance();
                });
    }

    private void removeContainer(CriContainerRecord c) throws IOException {
        PodSandboxCalls.killAndWait(supervisor, c.id());
        try {
            supervisor.delete(c.id(), true);
        } catch (NotFoundException e) {
            // removed before, or never created
        }
        containers.remove(c.id());
        log.info("container {} ({}) removed", c.id(), c.name());
    }

    @Override
    public void listContainers(
            ListContainersRequest r, StreamObserver<ListContainersResponse> out) {
        reply(
                out,
                () -> {
                    ContainerFilter f = r.getFilter();
                    ListContainersResponse.Builder b = ListContainersResponse.newBuilder();
                    for (CriContainerRecord c : containers.all()) {
                        if (!matches(c, f.getId(), f.getPodSandboxId(), f.getLabelSelectorMap()))
                            continue;
                        ContainerInfo info = info(c.id());
                        ContainerState state = state(info);
                        if (f.hasState() && f.getState().getState() != state) continue;
                        b.addContainers(
                                Container.newBuilder()
                                        .setId(c.id())
                                        .setPodSandboxId(c.sandboxId())
                                        .setMetadata(metadata(c))
                                        .setImage(ImageSpec.newBuilder().setImage(c.image()))
                                        .setImageRef(c.imageRef())
                                        .setImageId(c.imageId())
                                        .setState(state)
                                        .setCreatedAt(c.createdAtNanos())
                                        .putAllLabels(c.labels())
                                        .putAllAnnotations(c.annotations()));
                    }
                    return b.build();
                });
    }

    @Override
    public void containerStatus(
            ContainerStatusRequest r, StreamObserver<ContainerStatusResponse> out) {
        reply(
                out,
                () -> {
                    CriContainerRecord c = containers.get(r.getContainerId());
                    ContainerInfo info = info(c.id());
                    ContainerState state = state(info);
                    dev.nana.cri.v1.ContainerStatus.Builder st =
                            dev.nana.cri.v1.ContainerStatus.newBuilder()
                                    .setId(c.id())
                                    .setMetadata(metadata(c))
                                    .setState(state)
                                    .setCreatedAt(c.createdAtNanos())
                                    .setImage(ImageSpec.newBuilder().setImage(c.image()))
                                    .setImageRef(c.imageRef())
                                    .setImageId(c.imageId())
                                    .putAllLabels(c.labels())
                                    .putAllAnnotations(c.annotations())
                                    .setLogPath(c.logPath());
                    for (CriContainerRecord.MountRecord m : c.mounts())
                        st.addMounts(
                                dev.nana.cri.v1.Mount.newBuilder()
                                        .setContainerPath(m.containerPath())
                                        .setHostPath(m.hostPath())
                                        .setReadonly(m.readonly())
                                        .setPropagationValue(m.propagation()));
                    long started = startedAt(c.id());
                    if (started > 0) st.setStartedAt(started);
                    if (info != null && info.exit() != null) {
                        ExitStatus exit = info.exit();
                        st.setFinishedAt(nanos(exit.exitedAt()));
                        st.setExitCode(exit.code());
                        st.setReason(
                                exit.oomKilled() || info.oomKills() > 0
                                        ? "OOMKilled"
                                        : exit.code() == 0 ? "Completed" : "Error");
                    } else if (info == null) {
                        st.setReason("Unknown")
                                .setMessage("nana has no container " + c.id() + " any more");
                    }
                    ContainerStatusResponse.Builder b =
                            ContainerStatusResponse.newBuilder().setStatus(st);
                    if (r.getVerbose() && info != null) {
                        b.putInfo(
                                "info",
                                StateFiles.JSON.writeValueAsString(
                                        Map.of("pid", info.pid(), "sandboxID", c.sandboxId())));
                    }
                    return b.build();
                });
    }

    private ContainerInfo info(String id) {
        try {
            return supervisor.state(id);
        } catch (NotFoundException e) {
            return null;
        }
    }

    private static ContainerState state(ContainerInfo info) {
        if (info == null) return ContainerState.CONTAINER_UNKNOWN;
        return switch (info.status()) {
            case CREATED -> ContainerState.CONTAINER_CREATED;
            case RUNNING, PAUSED -> ContainerState.CONTAINER_RUNNING;
            case STOPPED -> ContainerState.CONTAINER_EXITED;
            default -> ContainerState.CONTAINER_UNKNOWN;
        };
    }

    /** Whether c passes a list filter: id and pod sandbox id prefixes, and labels, all of them. */
    private static boolean matches(
            CriContainerRecord c, String id, String sandboxId, Map<String, String> labels) {
        return c.id().startsWith(id)
                && c.sandboxId().startsWith(sandboxId)
                && c.labels().entrySet().containsAll(labels.entrySet());
    }

    /** When the shim recorded the start (its "started" file), in nanoseconds; 0 if it has not. */
    private long startedAt(String id) {
        try {
            return nanos(
                    Files.getLastModifiedTime(stateDir.resolve(id).resolve("init/started"))
                            .toInstant());
        } catch (IOException e) {
            return 0;
        }
    }

    private static ContainerMetadata metadata(CriContainerRecord c) {
        return ContainerMetadata.newBuilder().setName(c.name()).setAttempt(c.attempt()).build();
    }

    // ---- running containers: exec, resources, stats

    @Override
    public void execSync(ExecSyncRequest r, StreamObserver<ExecSyncResponse> out) {
        reply(
                out,
                () -> {
                    CriContainerRecord c = containers.get(r.getContainerId());
                    if (r.getCmdCount() == 0)
                        throw new InvalidArgumentException("ExecSync needs a command: give cmd");
                    ExecSync.Result res =
                            ExecSync.run(
                                    supervisor, stateDir, c.id(), r.getCmdList(), r.getTimeout());
                    return ExecSyncResponse.newBuilder()
                            .setStdout(res.stdout())
                            .setStderr(res.stderr())
                            .setExitCode(res.exitCode())
                            .build();
                });
    }

    @Override
    public void updateContainerResources(
            UpdateContainerResourcesRequest r,
            StreamObserver<UpdateContainerResourcesResponse> out) {
        reply(
                out,
                () -> {
                    CriContainerRecord c = containers.get(r.getContainerId());
                    LinuxContainerResources l = r.getLinux();
                    Resources.Builder b = Resources.builder();
                    if (l.getMemoryLimitInBytes() > 0) b.memoryLimit(l.getMemoryLimitInBytes());
                    if (l.getCpuShares() > 0) b.cpuShares(l.getCpuShares());
                    if (l.getCpuQuota() != 0 || l.getCpuPeriod() > 0)
                        b.cpuQuota(
                                l.getCpuQuota() == 0 ? -1 : l.getCpuQuota(),
                                l.getCpuPeriod() > 0 ? l.getCpuPeriod() : 100_000);
                    if (!l.getCpusetCpus().isEmpty()) b.cpusetCpus(l.getCpusetCpus());
                    Resources resources = b.build();
                    if (!resources.isEmpty()) supervisor.update(c.id(), resources);
                    return UpdateContainerResourcesResponse.getDefaultInstance();
                });
    }

    @Override
    public void containerStats(
            ContainerStatsRequest r, StreamObserver<ContainerStatsResponse> out) {
        reply(
                out,
                () ->
                        ContainerStatsResponse.newBuilder()
                                .setStats(stats(containers.get(r.getContainerId())))
                                .build());
    }

    @Override
    public void listContainerStats(
            ListContainerStatsRequest r, StreamObserver<ListContainerStatsResponse> out) {
        reply(
                out,
                () -> {
                    ContainerStatsFilter f = r.getFilter();
                    ListContainerStatsResponse.Builder b = ListContainerStatsResponse.newBuilder();
                    for (CriContainerRecord c : containers.all()) {
                        if (!matches(c, f.getId(), f.getPodSandboxId(), f.getLabelSelectorMap()))
                            continue;
                        if (state(info(c.id())) != ContainerState.CONTAINER_RUNNING) continue;
                        b.addStats(stats(c));
                    }
                    return b.build();
                });
    }

    private ContainerStats stats(CriContainerRecord c) throws IOException {
        Stats s = supervisor.stats(c.id());
        long t = nanos(s.time());
        long limit = s.memoryLimitBytes();
        long workingSet = Math.max(0, s.memoryBytes() - s.memoryCacheBytes());
        MemoryUsage.Builder memory =
                MemoryUsage.newBuilder()
                        .setTimestamp(t)
                        .setWorkingSetBytes(u64(workingSet))
                        .setUsageBytes(u64(s.memoryBytes()));
        if (limit > 0 && limit < Long.MAX_VALUE / 2)
            memory.setAvailableBytes(u64(Math.max(0, limit - workingSet)));
        long[] upper = ImageStore.diskUsage(containers.dir(c.id()).resolve("upper"));
        return ContainerStats.newBuilder()
                .setAttributes(
                        ContainerAttributes.newBuilder()
                                .setId(c.id())
                                .setMetadata(metadata(c))
                                .putAllLabels(c.labels())
                                .putAllAnnotations(c.annotations()))
                .setCpu(
                        CpuUsage.newBuilder()
                                .setTimestamp(t)
                                .setUsageCoreNanoSeconds(u64(s.cpuNanos())))
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
                                .setUsedBytes(u64(upper[0]))
                                .setInodesUsed(u64(upper[1])))
                .build();
    }

    private static UInt64Value u64(long v) {
        return UInt64Value.newBuilder().setValue(v).build();
    }

    @Override
    public void reopenContainerLog(
            ReopenContainerLogRequest r, StreamObserver<ReopenContainerLogResponse> out) {
        reply(
                out,
                () -> {
                    CriContainerRecord c = containers.get(r.getContainerId());
                    if (c.logPath().isEmpty())
                        throw new dev.nana.FailedPreconditionException(
                                "container "
                                        + c.id()
                                        + " has no log file: it was created without a log path");
                    if (state(info(c.id())) != ContainerState.CONTAINER_RUNNING)
                        throw new dev.nana.FailedPreconditionException(
                                "container "
                                        + c.id()
                                        + " is not running: its log file is not reopened");
                    // its shim reopens the file at the same path (the kubelet renamed the old one)
                    Path log = Path.of(c.logPath());
                    Object before = logFileKey(c, log);
                    try (Fd control =
                            LibNana.fifoOpenReadWrite(
                                    stateDir.resolve(c.id())
                                            .resolve("init")
                                            .resolve(ShimProtocol.CONTROL_FIFO))) {
                        LibNana.writeFully(control, ShimProtocol.reopenLog());
                    }
                    // the shim answers nothing: what it did shows at the path. A file that was
                    // there is reopened in place; one moved away is made again
                    if (before == null) awaitReopened(c, log);
                    return ReopenContainerLogResponse.getDefaultInstance();
                });
    }

    /**
     * The file at a container's log path (its inode), or null when there is none; anything but a
     * regular file is refused, as the shim refuses it: nana never follows a link planted there.
     */
    private static Object logFileKey(CriContainerRecord c, Path log) throws IOException {
        java.nio.file.attribute.BasicFileAttributes a;
        try {
            a =
                    Files.readAttributes(
                            log,
                            java.nio.file.attribute.BasicFileAttributes.class,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        if (!a.isRegularFile())
            throw new dev.nana.FailedPreconditionException(
                    "the log path \""
                            + log
                            + "\" of container "
                            + c.id()
                            + " is "
                            + (a.isSymbolicLink() ? "a symlink" : "not a regular file")
                            + ": nana writes a container's log only to a regular file it does not"
                            + " reach through a link; move it away and reopen again");
        return a.fileKey();
    }

    /** How long the shim has to make a moved log file again. */
    private static final long REOPEN_MILLIS = 2000;

    private static void awaitReopened(CriContainerRecord c, Path log) throws IOException {
        long deadline = System.nanoTime() + REOPEN_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (logFileKey(c, log) != null) return;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new dev.nana.UnavailableException(
                "the shim of container "
                        + c.id()
                        + " did not reopen its log \""
                        + log
                        + "\" within "
                        + REOPEN_MILLIS
                        + " ms: its folder may be gone or full (the daemon's log says more)");
    }

    // ---- streaming: not served yet

    private static <T> void notStreaming(String call, StreamObserver<T> out) {
        out.onError(
                io.grpc.Status.UNIMPLEMENTED
                        .withDescription(
                                call
                                        + ": nana does not serve the CRI's streaming calls (exec, attach, port-forward) yet;"
                                        + " ExecSync runs a command to its end")
                        .asRuntimeException());
    }

    @Override
    public void exec(ExecRequest r, StreamObserver<ExecResponse> out) {
        notStreaming("Exec", out);
    }

    @Override
    public void attach(AttachRequest r, StreamObserver<AttachResponse> out) {
        notStreaming("Attach", out);
    }

    @Override
    public void portForward(PortForwardRequest r, StreamObserver<PortForwardResponse> out) {
        notStreaming("PortForward", out);
    }
}
