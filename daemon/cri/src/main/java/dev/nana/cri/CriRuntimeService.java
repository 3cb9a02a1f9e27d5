package dev.nana.cri;

import static dev.nana.cri.CriReplies.reply;

import dev.nana.Supervisor;
import dev.nana.cri.net.Cni;
import dev.nana.cri.stream.StreamServer;
import dev.nana.cri.v1.AttachRequest;
import dev.nana.cri.v1.AttachResponse;
import dev.nana.cri.v1.CgroupDriver;
import dev.nana.cri.v1.CheckpointContainerRequest;
import dev.nana.cri.v1.CheckpointContainerResponse;
import dev.nana.cri.v1.ContainerEventResponse;
import dev.nana.cri.v1.ContainerStatsRequest;
import dev.nana.cri.v1.ContainerStatsResponse;
import dev.nana.cri.v1.ContainerStatusRequest;
import dev.nana.cri.v1.ContainerStatusResponse;
import dev.nana.cri.v1.CreateContainerRequest;
import dev.nana.cri.v1.CreateContainerResponse;
import dev.nana.cri.v1.ExecRequest;
import dev.nana.cri.v1.ExecResponse;
import dev.nana.cri.v1.ExecSyncRequest;
import dev.nana.cri.v1.ExecSyncResponse;
import dev.nana.cri.v1.GetEventsRequest;
import dev.nana.cri.v1.LinuxRuntimeConfiguration;
import dev.nana.cri.v1.ListContainerStatsRequest;
import dev.nana.cri.v1.ListContainerStatsResponse;
import dev.nana.cri.v1.ListContainersRequest;
import dev.nana.cri.v1.ListContainersResponse;
import dev.nana.cri.v1.ListMetricDescriptorsRequest;
import dev.nana.cri.v1.ListMetricDescriptorsResponse;
import dev.nana.cri.v1.ListPodSandboxMetricsRequest;
import dev.nana.cri.v1.ListPodSandboxMetricsResponse;
import dev.nana.cri.v1.ListPodSandboxRequest;
import dev.nana.cri.v1.ListPodSandboxResponse;
import dev.nana.cri.v1.ListPodSandboxStatsRequest;
import dev.nana.cri.v1.ListPodSandboxStatsResponse;
import dev.nana.cri.v1.PodSandboxStatsRequest;
import dev.nana.cri.v1.PodSandboxStatsResponse;
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
import dev.nana.cri.v1.RuntimeConfigRequest;
import dev.nana.cri.v1.RuntimeConfigResponse;
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
import dev.nana.cri.v1.UpdateContainerResourcesRequest;
import dev.nana.cri.v1.UpdateContainerResourcesResponse;
import dev.nana.cri.v1.UpdateRuntimeConfigRequest;
import dev.nana.cri.v1.UpdateRuntimeConfigResponse;
import dev.nana.cri.v1.VersionRequest;
import dev.nana.cri.v1.VersionResponse;
import dev.nana.images.ImageStore;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CRI's runtime.v1.RuntimeService over nana's {@link Supervisor}: a pod sandbox is a nana container
 * running a pause process, with the same shim, state directory, restore and events as any other
 * ({@link SandboxCalls}, records in {@link Sandboxes}); a pod's containers are nana containers too
 * ({@link ContainerCalls}, records in {@link PodContainers}), and {@link StatsCalls} reads their
 * figures. This class only routes each call and answers it ({@link CriReplies}); the methods not
 * overridden here answer UNIMPLEMENTED.
 */
public final class CriRuntimeService extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(CriRuntimeService.class);

    /** The CRI version nana speaks (what containerd 1.6 answers too). */
    static final String CRI_VERSION = "0.1.0";

    private final PodNetworks networks;
    private final SandboxCalls pods;
    private final ContainerCalls containers;
    private final StatsCalls stats;
    private final ContainerEvents events;
    private final ContainerCheckpoint checkpoints;
    private final StreamServer streams;
    private final String version;

    /**
     * Serves CRI over supervisor, keeping CRI's own records under criRoot (a folder of the state
     * directory that is not a container's: {@code <state-dir>/.cri}), with images from images.
     */
    public CriRuntimeService(
            Supervisor supervisor,
            Path criRoot,
            ImageStore images,
            Cni cni,
            StreamServer streams,
            String version)
            throws IOException {
        Sandboxes sandboxes = CriRecords.sandboxes(supervisor, criRoot, cni);
        this.networks = new PodNetworks(cni, sandboxes);
        try {
            cni.installDefault();
        } catch (IOException e) {
            log.warn(
                    "nana's CNI configuration cannot be installed in {}: {}",
                    cni.confDir(),
                    e.toString());
        }
        PodContainers records = CriRecords.containers(supervisor, criRoot);
        this.pods = new SandboxCalls(supervisor, sandboxes, networks, records);
        this.containers =
                new ContainerCalls(supervisor, sandboxes, records, images, criRoot.getParent());
        this.stats = new StatsCalls(supervisor, sandboxes, records);
        this.checkpoints = new ContainerCheckpoint(supervisor, records);
        this.events =
                new ContainerEvents(supervisor, records, sandboxes, pods, containers, criRoot);
        this.streams = streams;
        this.version = version;
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

    /**
     * nana drives cgroups by path (cgroupfs): a pod's cgroup_parent is a folder of the hierarchy. A
     * kubelet that asks (KubeletCgroupDriverFromCRI) takes its cgroup driver from here.
     */
    @Override
    public void runtimeConfig(RuntimeConfigRequest r, StreamObserver<RuntimeConfigResponse> out) {
        reply(
                out,
                () ->
                        RuntimeConfigResponse.newBuilder()
                                .setLinux(
                                        LinuxRuntimeConfiguration.newBuilder()
                                                .setCgroupDriver(CgroupDriver.CGROUPFS))
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
                    pods.remove(r.getPodSandboxId(), containers::remove);
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
        reply(
                out,
                () ->
                        CreateContainerResponse.newBuilder()
                                .setContainerId(containers.create(r))
                                .build());
    }

    @Override
    public void startContainer(
            StartContainerRequest r, StreamObserver<StartContainerResponse> out) {
        reply(
                out,
                () -> {
                    containers.start(r.getContainerId());
                    return StartContainerResponse.getDefaultInstance();
                });
    }

    @Override
    public void stopContainer(StopContainerRequest r, StreamObserver<StopContainerResponse> out) {
        reply(
                out,
                () -> {
                    containers.stop(r.getContainerId(), r.getTimeout());
                    return StopContainerResponse.getDefaultInstance();
                });
    }

    @Override
    public void removeContainer(
            RemoveContainerRequest r, StreamObserver<RemoveContainerResponse> out) {
        reply(
                out,
                () -> {
                    containers.remove(r.getContainerId());
                    return RemoveContainerResponse.getDefaultInstance();
                });
    }

    @Override
    public void listContainers(
            ListContainersRequest r, StreamObserver<ListContainersResponse> out) {
        reply(out, () -> containers.list(r));
    }

    @Override
    public void containerStatus(
            ContainerStatusRequest r, StreamObserver<ContainerStatusResponse> out) {
        reply(out, () -> containers.status(r));
    }

    // ---- running containers: exec, resources, stats, logs

    @Override
    public void execSync(ExecSyncRequest r, StreamObserver<ExecSyncResponse> out) {
        reply(out, () -> containers.execSync(r));
    }

    @Override
    public void updateContainerResources(
            UpdateContainerResourcesRequest r,
            StreamObserver<UpdateContainerResourcesResponse> out) {
        reply(
                out,
                () -> {
                    containers.updateResources(r);
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
                                .setStats(stats.one(r.getContainerId()))
                                .build());
    }

    @Override
    public void listContainerStats(
            ListContainerStatsRequest r, StreamObserver<ListContainerStatsResponse> out) {
        reply(out, () -> stats.list(r));
    }

    @Override
    public void podSandboxStats(
            PodSandboxStatsRequest r, StreamObserver<PodSandboxStatsResponse> out) {
        reply(
                out,
                () ->
                        PodSandboxStatsResponse.newBuilder()
                                .setStats(stats.pod(r.getPodSandboxId()))
                                .build());
    }

    @Override
    public void listPodSandboxStats(
            ListPodSandboxStatsRequest r, StreamObserver<ListPodSandboxStatsResponse> out) {
        reply(out, () -> stats.pods(r));
    }

    @Override
    public void listMetricDescriptors(
            ListMetricDescriptorsRequest r, StreamObserver<ListMetricDescriptorsResponse> out) {
        reply(out, PodMetrics::descriptors);
    }

    @Override
    public void listPodSandboxMetrics(
            ListPodSandboxMetricsRequest r, StreamObserver<ListPodSandboxMetricsResponse> out) {
        reply(out, stats::metrics);
    }

    @Override
    public void reopenContainerLog(
            ReopenContainerLogRequest r, StreamObserver<ReopenContainerLogResponse> out) {
        reply(
                out,
                () -> {
                    containers.reopenLog(r.getContainerId());
                    return ReopenContainerLogResponse.getDefaultInstance();
                });
    }

    // ---- streaming: exec, attach and port-forward through the streaming server

    /** A URL on the streaming server, good for one connection within its time to live. */
    @Override
    public void exec(ExecRequest r, StreamObserver<ExecResponse> out) {
        reply(
                out,
                () ->
                        ExecResponse.newBuilder()
                                .setUrl(streams.execUrl(containers.checkExec(r)))
                                .build());
    }

    /** A URL on the streaming server that attaches to the container's own process. */
    @Override
    public void attach(AttachRequest r, StreamObserver<AttachResponse> out) {
        reply(
                out,
                () ->
                        AttachResponse.newBuilder()
                                .setUrl(attachUrl(containers.checkAttach(r)))
                                .build());
    }

    private String attachUrl(AttachRequest checked) {
        return streams.attachUrl(checked, containers.stdinOnce(checked.getContainerId()));
    }

    /** A running container's CRIU image as a tar at the location asked (ContainerCheckpoint). */
    @Override
    public void checkpointContainer(
            CheckpointContainerRequest r, StreamObserver<CheckpointContainerResponse> out) {
        reply(
                out,
                () -> {
                    checkpoints.checkpoint(r);
                    return CheckpointContainerResponse.getDefaultInstance();
                });
    }

    /** The pods' containers' events, from where the last stream stopped (ContainerEvents). */
    @Override
    public void getContainerEvents(GetEventsRequest r, StreamObserver<ContainerEventResponse> out) {
        events.stream(out);
    }

    @Override
    public void portForward(PortForwardRequest r, StreamObserver<PortForwardResponse> out) {
        reply(
                out,
                () ->
                        PortForwardResponse.newBuilder()
                                .setUrl(pods.portForward(r, streams))
                                .build());
    }
}
