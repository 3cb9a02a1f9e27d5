package dev.nana.it.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.cri.v1.CgroupDriver;
import dev.nana.cri.v1.Int64Value;
import dev.nana.cri.v1.ListPodSandboxRequest;
import dev.nana.cri.v1.ListPodSandboxStatsRequest;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.PodSandboxFilter;
import dev.nana.cri.v1.PodSandboxState;
import dev.nana.cri.v1.PodSandboxStateValue;
import dev.nana.cri.v1.PodSandboxStats;
import dev.nana.cri.v1.PodSandboxStatsFilter;
import dev.nana.cri.v1.PodSandboxStatsRequest;
import dev.nana.cri.v1.PodSandboxStatus;
import dev.nana.cri.v1.PortForwardRequest;
import dev.nana.cri.v1.RemovePodSandboxRequest;
import dev.nana.cri.v1.RunPodSandboxRequest;
import dev.nana.cri.v1.RuntimeCondition;
import dev.nana.cri.v1.RuntimeConfigRequest;
import dev.nana.cri.v1.RuntimeServiceGrpc;
import dev.nana.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.nana.cri.v1.StatusRequest;
import dev.nana.cri.v1.StopPodSandboxRequest;
import dev.nana.cri.v1.VersionRequest;
import dev.nana.cri.v1.VersionResponse;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.os.Command;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The daemon's CRI socket driven as a kubelet drives it, with a client generated from nana's CRI
 * proto: pod sandboxes are real pause processes (Debian's catatonit) under real runc.
 */
class CriSandboxTest {

    private static PodSandboxConfig pod(String name, NamespaceMode network) {
        return CriCalls.pod(name, network).build();
    }

    private static String namespace(long pid, String which) throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + which)).toString();
    }

    private static List<String> ids(RuntimeServiceBlockingStub cri, PodSandboxFilter filter) {
        return cri
                .listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(filter).build())
                .getItemsList()
                .stream()
                .map(p -> p.getId())
                .toList();
    }

    @Test
    void podSandboxesRunStopAndGoAndSurviveADaemonSigkill() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            Path criSocket = nana.socket.resolveSibling("cri.sock");
            try (GrpcChannel grpc = GrpcChannel.open(criSocket)) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());

                VersionResponse v =
                        cri.version(VersionRequest.newBuilder().setVersion("v1").build());
                assertEquals("nana", v.getRuntimeName());
                assertEquals("v1", v.getRuntimeApiVersion());
                assertEquals("0.1.0", v.getVersion());
                assertFalse(v.getRuntimeVersion().isEmpty());
                Map<String, RuntimeCondition> conditions =
                        cri
                                .status(StatusRequest.getDefaultInstance())
                                .getStatus()
                                .getConditionsList()
                                .stream()
                                .collect(Collectors.toMap(RuntimeCondition::getType, c -> c));
                assertTrue(conditions.get("RuntimeReady").getStatus());
                assertTrue(
                        conditions.get("NetworkReady").getStatus(),
                        "nana's default CNI network, installed: " + conditions.get("NetworkReady"));
                assertEquals(
                        CgroupDriver.CGROUPFS,
                        cri.runtimeConfig(RuntimeConfigRequest.getDefaultInstance())
                                .getLinux()
                                .getCgroupDriver(),
                        "nana drives cgroups by path: a kubelet that asks takes cgroupfs");

                // a pod with its own network, and one on the host's
                String web = CriCalls.runPod(cri, pod("web", NamespaceMode.POD));
                String host = CriCalls.runPod(cri, pod("host", NamespaceMode.NODE));
                PodSandboxStatus s = CriCalls.podStatus(cri, web);
                assertEquals(PodSandboxState.SANDBOX_READY, s.getState());
                assertEquals("web", s.getMetadata().getName());
                assertEquals("uid-web", s.getMetadata().getUid());
                assertEquals(Map.of("app", "web"), s.getLabelsMap());
                assertEquals(Map.of("note", "kept as given"), s.getAnnotationsMap());
                assertTrue(s.getCreatedAt() > 0);
                assertEquals(
                        NamespaceMode.CONTAINER,
                        s.getLinux().getNamespaces().getOptions().getPid());

                int webPid = CriCalls.pid(cri, web, true);
                int hostPid = CriCalls.pid(cri, host, true);
                assertTrue(webPid > 0 && hostPid > 0);

                // a pod's statistics: its pause process's, and its own network's interfaces
                PodSandboxStats webStats =
                        cri.podSandboxStats(
                                        PodSandboxStatsRequest.newBuilder()
                                                .setPodSandboxId(web)
                                                .build())
                                .getStats();
                assertEquals(web, webStats.getAttributes().getId());
                assertEquals("web", webStats.getAttributes().getMetadata().getName());
                assertEquals(Map.of("app", "web"), webStats.getAttributes().getLabelsMap());
                assertTrue(webStats.getLinux().getProcess().getProcessCount().getValue() >= 1);
                assertTrue(webStats.getLinux().getMemory().getUsageBytes().getValue() > 0);
                assertEquals(
                        "eth0",
                        webStats.getLinux().getNetwork().getDefaultInterface().getName(),
                        webStats.toString());
                assertEquals(
                        List.of(web, host).stream().sorted().toList(),
                        cri
                                .listPodSandboxStats(
                                        ListPodSandboxStatsRequest.getDefaultInstance())
                                .getStatsList()
                                .stream()
                                .map(p -> p.getAttributes().getId())
                                .sorted()
                                .toList());
                assertFalse(
                        cri.listPodSandboxStats(
                                        ListPodSandboxStatsRequest.newBuilder()
                                                .setFilter(
                                                        PodSandboxStatsFilter.newBuilder()
                                                                .setId(host))
                                                .build())
                                .getStats(0)
                                .getLinux()
                                .hasNetwork(),
                        "a host-network pod's network is the node's, told by the node");
                assertEquals(
                        "/pause\0-P\0",
                        Files.readString(Path.of("/proc/" + webPid + "/cmdline")),
                        "the pause process is catatonit in pause mode");
                String ownNet = namespace(ProcessHandle.current().pid(), "net");
                assertNotEquals(ownNet, namespace(webPid, "net"), "a pod has a network of its own");
                assertEquals(
                        ownNet, namespace(hostPid, "net"), "a host-network pod has the host's");
                assertNotEquals(
                        namespace(ProcessHandle.current().pid(), "ipc"), namespace(webPid, "ipc"));
                Command.Result hostname =
                        Command.run(
                                List.of("/usr/bin/nsenter", "-t", "" + webPid, "-u", "hostname"),
                                null);
                assertEquals("web-host", hostname.stdout().strip(), hostname.stderr());

                // the same pod twice is refused, naming the first
                StatusRuntimeException twice =
                        assertThrows(
                                StatusRuntimeException.class,
                                () -> CriCalls.runPod(cri, pod("web", NamespaceMode.POD)));
                assertEquals(Status.Code.ALREADY_EXISTS, twice.getStatus().getCode());
                assertTrue(twice.getStatus().getDescription().contains(web), twice.getMessage());

                // bad input: a clear status, and nothing left behind
                StatusRuntimeException handler =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        cri.runPodSandbox(
                                                RunPodSandboxRequest.newBuilder()
                                                        .setConfig(pod("other", NamespaceMode.POD))
                                                        .setRuntimeHandler("kata")
                                                        .build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, handler.getStatus().getCode());
                assertTrue(
                        handler.getStatus().getDescription().contains("kata"),
                        handler.getMessage());
                StatusRuntimeException noMetadata =
                        assertThrows(
                                StatusRuntimeException.class,
                                () -> CriCalls.runPod(cri, PodSandboxConfig.getDefaultInstance()));
                assertEquals(Status.Code.INVALID_ARGUMENT, noMetadata.getStatus().getCode());
                PodSandboxConfig.Builder groupAlone = pod("grouped", NamespaceMode.POD).toBuilder();
                groupAlone
                        .getLinuxBuilder()
                        .getSecurityContextBuilder()
                        .setRunAsGroup(Int64Value.newBuilder().setValue(1000));
                StatusRuntimeException group =
                        assertThrows(
                                StatusRuntimeException.class,
                                () -> CriCalls.runPod(cri, groupAlone.build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, group.getStatus().getCode());
                assertTrue(
                        group.getStatus().getDescription().contains("without run_as_user"),
                        group.getMessage());
                StatusRuntimeException unknown =
                        assertThrows(
                                StatusRuntimeException.class,
                                () -> CriCalls.podStatus(cri, "feedface"));
                assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
                assertTrue(unknown.getStatus().getDescription().contains("feedface"));
                StatusRuntimeException noPod =
                        assertThrows(
                                StatusRuntimeException.class,
                                () -> cri.portForward(PortForwardRequest.getDefaultInstance()));
                assertEquals(Status.Code.INVALID_ARGUMENT, noPod.getStatus().getCode());
                assertTrue(noPod.getStatus().getDescription().contains("pod_sandbox_id"));

                PodSandboxFilter all = PodSandboxFilter.getDefaultInstance();
                assertEquals(List.of(web, host), ids(cri, all));
                assertEquals(
                        List.of(web),
                        ids(
                                cri,
                                PodSandboxFilter.newBuilder()
                                        .putLabelSelector("app", "web")
                                        .build()));
                assertEquals(
                        List.of(host),
                        ids(
                                cri,
                                PodSandboxFilter.newBuilder()
                                        .setId(host.substring(0, 12))
                                        .build()));
                assertEquals(
                        List.of(),
                        ids(
                                cri,
                                PodSandboxFilter.newBuilder()
                                        .setState(
                                                PodSandboxStateValue.newBuilder()
                                                        .setState(PodSandboxState.SANDBOX_NOTREADY))
                                        .build()));
            }

            // SIGKILLed and restarted: both pods are as they were
            nana.killDaemon();
            nana.startDaemon();
            try (GrpcChannel grpc = GrpcChannel.open(criSocket)) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                List<String> pods = ids(cri, PodSandboxFilter.getDefaultInstance());
                assertEquals(2, pods.size());
                String web = pods.getFirst();
                String host = pods.getLast();
                PodSandboxStatus s = CriCalls.podStatus(cri, web);
                assertEquals(PodSandboxState.SANDBOX_READY, s.getState());
                assertEquals(Map.of("note", "kept as given"), s.getAnnotationsMap());
                int webPid = CriCalls.pid(cri, web, true);

                // eight at once, as a kubelet retrying might: each answers OK (one once failed
                // with INTERNAL NoSuchFileException, detaching what another had detached)
                try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
                    List<java.util.concurrent.Future<?>> stops = new java.util.ArrayList<>();
                    for (int i = 0; i < 8; i++)
                        stops.add(
                                pool.submit(
                                        () ->
                                                cri.stopPodSandbox(
                                                        StopPodSandboxRequest.newBuilder()
                                                                .setPodSandboxId(web)
                                                                .build())));
                    for (var stop : stops) stop.get();
                }
                assertEquals(
                        PodSandboxState.SANDBOX_NOTREADY, CriCalls.podStatus(cri, web).getState());
                assertFalse(ProcessHandle.of(webPid).map(ProcessHandle::isAlive).orElse(false));
                StatusRuntimeException stopped =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        cri.podSandboxStats(
                                                PodSandboxStatsRequest.newBuilder()
                                                        .setPodSandboxId(web)
                                                        .build()));
                assertEquals(Status.Code.FAILED_PRECONDITION, stopped.getStatus().getCode());
                // stop and remove are idempotent, as the kubelet expects
                cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(web).build());
                for (String id : List.of(web, host, web)) {
                    cri.removePodSandbox(
                            RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
                }
                assertEquals(List.of(), ids(cri, PodSandboxFilter.getDefaultInstance()));
                assertThrows(StatusRuntimeException.class, () -> CriCalls.podStatus(cri, web));
            }
            assertEquals("", nana.run("ps", "-q").out().strip(), "no pause container is left");
            try (var left = Files.list(nana.stateDir.resolve(".cri/sandboxes"))) {
                assertEquals(List.of(), left.toList(), "no sandbox folder is left");
            }
        }
    }
}
