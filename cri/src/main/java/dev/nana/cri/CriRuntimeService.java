package dev.nana.cri;

import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.InvalidArgumentException;
import dev.nana.NotFoundException;
import dev.nana.Supervisor;
import dev.nana.cri.v1.LinuxPodSandboxStatus;
import dev.nana.cri.v1.ListPodSandboxRequest;
import dev.nana.cri.v1.ListPodSandboxResponse;
import dev.nana.cri.v1.Namespace;
import dev.nana.cri.v1.PodSandbox;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.PodSandboxFilter;
import dev.nana.cri.v1.PodSandboxMetadata;
import dev.nana.cri.v1.PodSandboxState;
import dev.nana.cri.v1.PodSandboxStatus;
import dev.nana.cri.v1.PodSandboxStatusRequest;
import dev.nana.cri.v1.PodSandboxStatusResponse;
import dev.nana.cri.v1.RemovePodSandboxRequest;
import dev.nana.cri.v1.RemovePodSandboxResponse;
import dev.nana.cri.v1.RunPodSandboxRequest;
import dev.nana.cri.v1.RunPodSandboxResponse;
import dev.nana.cri.v1.RuntimeCondition;
import dev.nana.cri.v1.RuntimeServiceGrpc;
import dev.nana.cri.v1.RuntimeStatus;
import dev.nana.cri.v1.StatusRequest;
import dev.nana.cri.v1.StatusResponse;
import dev.nana.cri.v1.StopPodSandboxRequest;
import dev.nana.cri.v1.StopPodSandboxResponse;
import dev.nana.cri.v1.UpdateRuntimeConfigRequest;
import dev.nana.cri.v1.UpdateRuntimeConfigResponse;
import dev.nana.cri.v1.VersionRequest;
import dev.nana.cri.v1.VersionResponse;
import dev.nana.grpc.Statuses;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CRI's runtime.v1.RuntimeService over nana's {@link Supervisor}: a pod sandbox is a nana container
 * running a pause process, with the same shim, state directory, restore and events as any other;
 * what CRI needs besides is in {@link Sandboxes}. The methods not overridden here answer
 * UNIMPLEMENTED.
 */
public final class CriRuntimeService extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(CriRuntimeService.class);

    /** The CRI version nana speaks (what containerd 1.6 answers too). */
    static final String CRI_VERSION = "0.1.0";

    /** The runtime handlers a RunPodSandbox may name; "" is the daemon's default runtime. */
    private static final Set<String> HANDLERS = Set.of("", "runc", "crun");

    /** How long a stopping sandbox's pause process may take to exit after SIGKILL. */
    private static final long STOP_WAIT_SECONDS = 30;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Supervisor supervisor;
    private final Sandboxes sandboxes;
    private final String version;

    /**
     * Serves CRI over supervisor, keeping CRI's own records under criRoot (a folder of the state
     * directory that is not a container's: {@code <state-dir>/.cri}).
     */
    public CriRuntimeService(Supervisor supervisor, Path criRoot, String version)
            throws IOException {
        this.supervisor = supervisor;
        this.sandboxes = new Sandboxes(criRoot.resolve("sandboxes"));
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
                                                .addConditions(
                                                        RuntimeCondition.newBuilder()
                                                                .setType("NetworkReady")
                                                                .setStatus(false)
                                                                .setReason("NetworkPluginNotReady")
                                                                .setMessage(
                                                                        "nana does not set up pod networks (CNI) yet: pods on the host's network run")))
                                .build());
    }

    @Override
    public void updateRuntimeConfig(
            UpdateRuntimeConfigRequest r, StreamObserver<UpdateRuntimeConfigResponse> out) {
        // the pod CIDR is the CNI configuration's business, which nana does not set up yet
        reply(out, UpdateRuntimeConfigResponse::getDefaultInstance);
    }

    @Override
    public void runPodSandbox(RunPodSandboxRequest r, StreamObserver<RunPodSandboxResponse> out) {
        reply(out, () -> RunPodSandboxResponse.newBuilder().setPodSandboxId(run(r)).build());
    }

    private String run(RunPodSandboxRequest r) throws IOException {
        PodSandboxConfig config = r.getConfig();
        PodSandboxMetadata m = config.getMetadata();
        if (!config.hasMetadata()
                || m.getName().isEmpty()
                || m.getUid().isEmpty()
                || m.getNamespace().isEmpty()) {
            throw new InvalidArgumentException(
                    "a pod sandbox needs metadata with a name, a uid and a namespace");
        }
        if (!HANDLERS.contains(r.getRuntimeHandler())) {
            throw new InvalidArgumentException(
                    "runtime handler \""
                            + r.getRuntimeHandler()
                            + "\" is not one of nana's: give runc, crun, or none for the daemon's default");
        }
        var namespaces = config.getLinux().getSecurityContext().getNamespaceOptions();
        String id = HexFormat.of().formatHex(randomBytes());
        SandboxRecord record =
                new SandboxRecord(
                        id,
                        m.getName()
                                + "_"
                                + m.getNamespace()
                                + "_"
                                + m.getUid()
                                + "_"
                                + m.getAttempt(),
                        m.getName(),
                        m.getUid(),
                        m.getNamespace(),
                        m.getAttempt(),
                        Map.copyOf(config.getLabelsMap()),
                        Map.copyOf(config.getAnnotationsMap()),
                        r.getRuntimeHandler(),
                        nanos(Instant.now()),
                        config.getHostname(),
                        config.getLogDirectory(),
                        PauseBundle.mode(namespaces.getNetwork(), "network"),
                        PauseBundle.mode(namespaces.getPid(), "PID"),
                        PauseBundle.mode(namespaces.getIpc(), "IPC"));
        Path bundle = sandboxes.bundle(id);
        PauseBundle.write(bundle, record, config.getLinux());
        sandboxes.add(record);
        try {
            ContainerSpec.Builder spec =
                    ContainerSpec.builder(id, bundle)
                            .label("io.kubernetes.cri.kind", "sandbox")
                            .label("io.kubernetes.pod.name", m.getName())
                            .label("io.kubernetes.pod.namespace", m.getNamespace());
            if (!r.getRuntimeHandler().isEmpty()) spec.runtime(r.getRuntimeHandler());
            supervisor.run(spec.build());
        } catch (RuntimeException e) {
            // no half-made pod: the pause container and the sandbox's folder go
            try {
                supervisor.delete(id, true);
            } catch (RuntimeException gone) {
                // never created
            }
            sandboxes.remove(id);
            throw e;
        }
        log.info("pod sandbox {} ({}) ready", id, record.name());
        return id;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return b;
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Override
    public void stopPodSandbox(
            StopPodSandboxRequest r, StreamObserver<StopPodSandboxResponse> out) {
        reply(
                out,
                () -> {
                    SandboxRecord s = sandboxes.find(r.getPodSandboxId());
                    if (s != null) stopPause(s.id());
                    return StopPodSandboxResponse.getDefaultInstance();
                });
    }

    /** Kills the pause process and waits for its exit; nothing to do when it is not running. */
    private void stopPause(String id) {
        ContainerInfo info;
        try {
            info = supervisor.state(id);
        } catch (NotFoundException e) {
            return;
        }
        if (info.status() == ContainerStatus.STOPPED) return;
        supervisor.kill(id, 9, true);
        try {
            supervisor.waitForExit(id).get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.nana.UnavailableException(
                    "interrupted while stopping pod sandbox " + id, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new dev.nana.UnavailableException(
                    "pod sandbox "
                            + id
                            + "'s pause process did not exit within "
                            + STOP_WAIT_SECONDS
                            + " s of SIGKILL: "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public void removePodSandbox(
            RemovePodSandboxRequest r, StreamObserver<RemovePodSandboxResponse> out) {
        reply(
                out,
                () -> {
                    SandboxRecord s = sandboxes.find(r.getPodSandboxId());
                    if (s == null) return RemovePodSandboxResponse.getDefaultInstance();
                    stopPause(s.id());
                    try {
                        supervisor.delete(s.id(), true);
                    } catch (NotFoundException e) {
                        // removed before, or never started
                    }
                    sandboxes.remove(s.id());
                    log.info("pod sandbox {} ({}) removed", s.id(), s.name());
                    return RemovePodSandboxResponse.getDefaultInstance();
                });
    }

    @Override
    public void podSandboxStatus(
            PodSandboxStatusRequest r, StreamObserver<PodSandboxStatusResponse> out) {
        reply(
                out,
                () -> {
                    SandboxRecord s = sandboxes.get(r.getPodSandboxId());
                    PodSandboxStatusResponse.Builder b =
                            PodSandboxStatusResponse.newBuilder()
                                    .setTimestamp(nanos(Instant.now()))
                                    .setStatus(
                                            PodSandboxStatus.newBuilder()
                                                    .setId(s.id())
                                                    .setMetadata(metadata(s))
                                                    .setState(state(s))
                                                    .setCreatedAt(s.createdAtNanos())
                                                    .setLinux(
                                                            LinuxPodSandboxStatus.newBuilder()
                                                                    .setNamespaces(
                                                                            Namespace.newBuilder()
                                                                                    .setOptions(
                                                                                            PauseBundle
                                                                                                    .options(
                                                                                                            s))))
                                                    .putAllLabels(s.labels())
                                                    .putAllAnnotations(s.annotations())
                                                    .setRuntimeHandler(s.runtimeHandler()));
                    if (r.getVerbose()) {
                        b.putInfo(
                                "info",
                                dev.nana.state.StateFiles.JSON.writeValueAsString(
                                        Map.of(
                                                "pid",
                                                pid(s),
                                                "bundle",
                                                sandboxes.bundle(s.id()).toString())));
                    }
                    return b.build();
                });
    }

    private int pid(SandboxRecord s) {
        try {
            return supervisor.state(s.id()).pid();
        } catch (NotFoundException e) {
            return 0;
        }
    }

    private PodSandboxState state(SandboxRecord s) {
        try {
            ContainerStatus status = supervisor.state(s.id()).status();
            return status == ContainerStatus.RUNNING || status == ContainerStatus.PAUSED
                    ? PodSandboxState.SANDBOX_READY
                    : PodSandboxState.SANDBOX_NOTREADY;
        } catch (NotFoundException e) {
            return PodSandboxState.SANDBOX_NOTREADY;
        }
    }

    private static PodSandboxMetadata metadata(SandboxRecord s) {
        return PodSandboxMetadata.newBuilder()
                .setName(s.podName())
                .setUid(s.podUid())
                .setNamespace(s.podNamespace())
                .setAttempt(s.attempt())
                .build();
    }

    @Override
    public void listPodSandbox(
            ListPodSandboxRequest r, StreamObserver<ListPodSandboxResponse> out) {
        reply(
                out,
                () -> {
                    PodSandboxFilter f = r.getFilter();
                    ListPodSandboxResponse.Builder b = ListPodSandboxResponse.newBuilder();
                    for (SandboxRecord s : sandboxes.all()) {
                        if (!f.getId().isEmpty() && !s.id().startsWith(f.getId())) continue;
                        if (!s.labels().entrySet().containsAll(f.getLabelSelectorMap().entrySet()))
                            continue;
                        PodSandboxState state = state(s);
                        if (f.hasState() && f.getState().getState() != state) continue;
                        b.addItems(
                                PodSandbox.newBuilder()
                                        .setId(s.id())
                                        .setMetadata(metadata(s))
                                        .setState(state)
                                        .setCreatedAt(s.createdAtNanos())
                                        .putAllLabels(s.labels())
                                        .putAllAnnotations(s.annotations())
                                        .setRuntimeHandler(s.runtimeHandler()));
                    }
                    return b.build();
                });
    }
}
