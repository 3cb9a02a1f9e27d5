package dev.nana.cri;

import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.FailedPreconditionException;
import dev.nana.InvalidArgumentException;
import dev.nana.NotFoundException;
import dev.nana.Supervisor;
import dev.nana.cri.net.NetNs;
import dev.nana.cri.stream.StreamServer;
import dev.nana.cri.v1.LinuxPodSandboxStatus;
import dev.nana.cri.v1.ListPodSandboxRequest;
import dev.nana.cri.v1.ListPodSandboxResponse;
import dev.nana.cri.v1.Namespace;
import dev.nana.cri.v1.PodIP;
import dev.nana.cri.v1.PodSandbox;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.PodSandboxFilter;
import dev.nana.cri.v1.PodSandboxMetadata;
import dev.nana.cri.v1.PodSandboxNetworkStatus;
import dev.nana.cri.v1.PodSandboxState;
import dev.nana.cri.v1.PodSandboxStatus;
import dev.nana.cri.v1.PodSandboxStatusRequest;
import dev.nana.cri.v1.PodSandboxStatusResponse;
import dev.nana.cri.v1.PortForwardRequest;
import dev.nana.cri.v1.RunPodSandboxRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod sandbox calls of {@link CriRuntimeService}: a pod is a nana container running a pause
 * process (its record and folder in {@link Sandboxes}), with its own network attached by {@link
 * PodNetworks}; its containers are {@link PodContainers}.
 */
final class SandboxCalls {
    private static final Logger log = LoggerFactory.getLogger(SandboxCalls.class);

    /** The runtime handlers a RunPodSandbox may name; "" is the daemon's default runtime. */
    private static final Set<String> HANDLERS = Set.of("", "runc", "crun");

    /** How long a stopping container (a pod's, or its pause) may take to exit after SIGKILL. */
    private static final long STOP_WAIT_SECONDS = 30;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Supervisor supervisor;
    private final Sandboxes sandboxes;
    private final PodNetworks networks;
    private final PodContainers containers;

    SandboxCalls(
            Supervisor supervisor,
            Sandboxes sandboxes,
            PodNetworks networks,
            PodContainers containers) {
        this.supervisor = supervisor;
        this.sandboxes = sandboxes;
        this.networks = networks;
        this.containers = containers;
    }

    /** Runs a pod's pause process and attaches its network; on failure nothing of it is left. */
    String run(RunPodSandboxRequest r) throws IOException {
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
        CriLimits.check(
                "pod sandbox " + m.getName(), config.getLabelsMap(), config.getAnnotationsMap());
        var security = config.getLinux().getSecurityContext();
        if (security.hasRunAsGroup() && !security.hasRunAsUser()) {
            throw new InvalidArgumentException(
                    "pod sandbox "
                            + m.getName()
                            + ": run_as_group "
                            + security.getRunAsGroup().getValue()
                            + " is set without run_as_user: give the user as well (the CRI refuses a"
                            + " group alone)");
        }
        PauseBundle.requireCgroupfs(
                config.getLinux().getCgroupParent(), "pod sandbox " + m.getName());
        var namespaces = security.getNamespaceOptions();
        String id = newId();
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
                        CriReplies.nanos(Instant.now()),
                        config.getHostname(),
                        config.getLogDirectory(),
                        PauseBundle.mode(namespaces.getNetwork(), "network"),
                        PauseBundle.mode(namespaces.getPid(), "PID"),
                        PauseBundle.mode(namespaces.getIpc(), "IPC"));
        Path bundle = sandboxes.bundle(id);
        PauseBundle.write(bundle, record, config.getLinux());
        PodFiles.write(sandboxes.dir(id), config, record.network());
        sandboxes.add(record);
        try {
            ContainerSpec.Builder spec =
                    ContainerSpec.builder(id, bundle)
                            .label("io.kubernetes.cri.kind", "sandbox")
                            .label("io.kubernetes.pod.name", m.getName())
                            .label("io.kubernetes.pod.namespace", m.getNamespace());
            if (!r.getRuntimeHandler().isEmpty()) spec.runtime(r.getRuntimeHandler());
            supervisor.run(spec.build());
            if (PodNetworks.ownNetwork(record))
                networks.attach(record, supervisor.state(id).pid(), config);
        } catch (IOException | RuntimeException e) {
            // no half-made pod: the pause container and the sandbox's folder go
            deleteIfCreated(supervisor, id);
            sandboxes.remove(id);
            throw e;
        }
        log.info("pod sandbox {} ({}) ready", id, record.name());
        return id;
    }

    /** Force-deletes a nana container a failed call may or may not have created. */
    static void deleteIfCreated(Supervisor supervisor, String id) {
        try {
            supervisor.delete(id, true);
        } catch (RuntimeException gone) {
            // never created
        }
    }

    /** A new sandbox's or container's id: 64 random hex digits, as containerd's. */
    static String newId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Kills a pod's containers and pause process and detaches its network; idempotent. */
    void stop(String idOrPrefix) throws IOException {
        SandboxRecord s = sandboxes.find(idOrPrefix);
        if (s == null) return;
        for (CriContainerRecord c : containers.of(s.id())) killAndWait(supervisor, c.id());
        killAndWait(supervisor, s.id());
        networks.detach(s);
    }

    /**
     * Kills a container (a pause process, or a pod's container) and waits for its exit; nothing to
     * do when it is not running.
     */
    static void killAndWait(Supervisor supervisor, String id) {
        ContainerInfo info = CriReplies.info(supervisor, id);
        if (info == null || info.status() == ContainerStatus.STOPPED) return;
        supervisor.kill(id, 9, true);
        try {
            supervisor.waitForExit(id).get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.nana.UnavailableException(
                    "interrupted while stopping pod sandbox " + id, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new dev.nana.UnavailableException(
                    "container "
                            + id
                            + " did not exit within "
                            + STOP_WAIT_SECONDS
                            + " s of SIGKILL: "
                            + e.getMessage(),
                    e);
        }
    }

    /** How a pod's container is removed (CriRuntimeService's RemoveContainer). */
    @FunctionalInterface
    interface ContainerRemoval {
        void remove(CriContainerRecord c) throws IOException;
    }

    /** Removes a pod: its containers, its pause process, network and folder; idempotent. */
    void remove(String idOrPrefix, ContainerRemoval removeContainer) throws IOException {
        SandboxRecord s = sandboxes.find(idOrPrefix);
        if (s == null) return;
        for (CriContainerRecord c : containers.of(s.id())) removeContainer.remove(c);
        killAndWait(supervisor, s.id());
        networks.detach(s);
        try {
            supervisor.delete(s.id(), true);
        } catch (NotFoundException e) {
            // removed before, or never started
        }
        sandboxes.remove(s.id());
        log.info("pod sandbox {} ({}) removed", s.id(), s.name());
    }

    PodSandboxStatusResponse status(PodSandboxStatusRequest r) throws IOException {
        SandboxRecord s = sandboxes.get(r.getPodSandboxId());
        PodSandboxStatusResponse.Builder b =
                PodSandboxStatusResponse.newBuilder()
                        .setTimestamp(CriReplies.nanos(Instant.now()))
                        .setStatus(
                                PodSandboxStatus.newBuilder()
                                        .setId(s.id())
                                        .setMetadata(metadata(s))
                                        .setState(state(s))
                                        .setCreatedAt(s.createdAtNanos())
                                        .setNetwork(network(s))
                                        .setLinux(
                                                LinuxPodSandboxStatus.newBuilder()
                                                        .setNamespaces(
                                                                Namespace.newBuilder()
                                                                        .setOptions(
                                                                                PauseBundle.options(
                                                                                        s))))
                                        .putAllLabels(s.labels())
                                        .putAllAnnotations(s.annotations())
                                        .setRuntimeHandler(s.runtimeHandler()));
        if (r.getVerbose()) {
            b.putInfo(
                    "info",
                    dev.nana.supervisor.state.StateFiles.JSON.writeValueAsString(
                            Map.of("pid", pid(s), "bundle", sandboxes.bundle(s.id()).toString())));
        }
        return b.build();
    }

    /**
     * A PortForward's URL: the pod is ready and the ports are ports; they are reached inside its
     * network namespace (a pod on the node's network: the node's).
     */
    String portForward(PortForwardRequest r, StreamServer streams) {
        if (r.getPodSandboxId().isBlank())
            throw new InvalidArgumentException("PortForward needs the pod: give pod_sandbox_id");
        SandboxRecord s = sandboxes.get(r.getPodSandboxId());
        if (state(s) != PodSandboxState.SANDBOX_READY)
            throw new FailedPreconditionException(
                    "pod sandbox "
                            + s.name()
                            + " ("
                            + s.id()
                            + ") is not ready: there is nothing to forward to");
        for (int port : r.getPortList())
            if (port <= 0 || port > 65535)
                throw new InvalidArgumentException(
                        "PortForward port " + port + " is not a port: give 1 to 65535");
        Path netns = null;
        if (PodNetworks.ownNetwork(s)) {
            netns = networks.netns(s.id());
            if (!NetNs.pinned(netns)) netns = Path.of("/proc/" + pid(s) + "/ns/net");
        }
        return streams.portForwardUrl(s.id(), netns, r.getPortList());
    }

    private PodSandboxNetworkStatus network(SandboxRecord s) {
        List<String> ips = networks.ips(s);
        PodSandboxNetworkStatus.Builder n = PodSandboxNetworkStatus.newBuilder();
        if (!ips.isEmpty()) n.setIp(ips.getFirst());
        for (String ip : ips.subList(Math.min(1, ips.size()), ips.size()))
            n.addAdditionalIps(PodIP.newBuilder().setIp(ip));
        return n.build();
    }

    private int pid(SandboxRecord s) {
        ContainerInfo info = CriReplies.info(supervisor, s.id());
        return info == null ? 0 : info.pid();
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

    static PodSandboxMetadata metadata(SandboxRecord s) {
        return PodSandboxMetadata.newBuilder()
                .setName(s.podName())
                .setUid(s.podUid())
                .setNamespace(s.podNamespace())
                .setAttempt(s.attempt())
                .build();
    }

    ListPodSandboxResponse list(ListPodSandboxRequest r) {
        PodSandboxFilter f = r.getFilter();
        ListPodSandboxResponse.Builder b = ListPodSandboxResponse.newBuilder();
        for (SandboxRecord s : sandboxes.all()) {
            if (!f.getId().isEmpty() && !s.id().startsWith(f.getId())) continue;
            if (!s.labels().entrySet().containsAll(f.getLabelSelectorMap().entrySet())) continue;
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
    }
}
