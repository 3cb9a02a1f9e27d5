package dev.nana.it.cri;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.cri.v1.Capability;
import dev.nana.cri.v1.ContainerFilter;
import dev.nana.cri.v1.ContainerState;
import dev.nana.cri.v1.ContainerStatsRequest;
import dev.nana.cri.v1.ContainerStatus;
import dev.nana.cri.v1.DNSConfig;
import dev.nana.cri.v1.ExecSyncRequest;
import dev.nana.cri.v1.ImageSpec;
import dev.nana.cri.v1.Int64Value;
import dev.nana.cri.v1.KeyValue;
import dev.nana.cri.v1.LinuxContainerConfig;
import dev.nana.cri.v1.LinuxContainerResources;
import dev.nana.cri.v1.LinuxContainerSecurityContext;
import dev.nana.cri.v1.ListContainersRequest;
import dev.nana.cri.v1.ListMetricDescriptorsRequest;
import dev.nana.cri.v1.ListPodSandboxMetricsRequest;
import dev.nana.cri.v1.Metric;
import dev.nana.cri.v1.MetricDescriptor;
import dev.nana.cri.v1.Mount;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.PodSandboxMetadata;
import dev.nana.cri.v1.PodSandboxMetrics;
import dev.nana.cri.v1.RemoveContainerRequest;
import dev.nana.cri.v1.RemovePodSandboxRequest;
import dev.nana.cri.v1.ReopenContainerLogRequest;
import dev.nana.cri.v1.RunPodSandboxRequest;
import dev.nana.cri.v1.RuntimeServiceGrpc;
import dev.nana.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.nana.cri.v1.SecurityProfile;
import dev.nana.cri.v1.StopContainerRequest;
import dev.nana.cri.v1.UpdateContainerResourcesRequest;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.state.StateDir;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Containers in a pod, through the CRI with a client generated from nana's proto: images from
 * nana's store as overlay root filesystems, the pod's namespaces joined, users, capabilities,
 * read-only roots, host-path mounts, exit codes, stop timeouts, OOM kills, a daemon SIGKILLed with
 * them running, and removal that leaves no mount behind.
 */
class CriContainerTest {
    @Test
    void containersRunInTheirPodFromImagesAndGoWithIt() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-pod-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            OciLayouts.importBusybox(nana, work, "1000");
            Path shared = Files.createDirectories(work.resolve("shared"));
            Files.setPosixFilePermissions(
                    shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            Path link = Files.createSymbolicLink(work.resolve("shared-link"), shared);

            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                PodSandboxConfig podConfig =
                        PodSandboxConfig.newBuilder()
                                .setMetadata(
                                        PodSandboxMetadata.newBuilder()
                                                .setName("app")
                                                .setUid("uid-app")
                                                .setNamespace("default"))
                                .setHostname("app-pod")
                                .setDnsConfig(
                                        DNSConfig.newBuilder()
                                                .addServers("10.96.0.10")
                                                .addSearches("default.svc.cluster.local")
                                                .addOptions("ndots:5"))
                                .setLogDirectory(work.resolve("logs").toString())
                                .build();
                String pod =
                        cri.runPodSandbox(
                                        RunPodSandboxRequest.newBuilder()
                                                .setConfig(podConfig)
                                                .build())
                                .getPodSandboxId();

                // the image's user (1000), the pod's name and network, a host path through a
                // symlink
                String web =
                        CriCalls.create(
                                cri,
                                pod,
                                podConfig,
                                CriCalls.container(
                                                "web",
                                                "echo hello; echo oops >&2; head -c 20000 /dev/zero | tr '\\0' x; echo;"
                                                        + " cat /etc/resolv.conf > /shared/resolv; cat /etc/hostname > /shared/hostname;"
                                                        + " id -u > /shared/uid; id -G > /shared/groups; hostname > /shared/host; echo $FOO > /shared/env; sleep 1000")
                                        .addEnvs(
                                                KeyValue.newBuilder().setKey("FOO").setValue("bar"))
                                        .setLogPath("web/0.log")
                                        .addMounts(
                                                Mount.newBuilder()
                                                        .setContainerPath("/shared")
                                                        .setHostPath(link.toString())));
                assertEquals(
                        ContainerState.CONTAINER_CREATED, CriCalls.status(cri, web).getState());
                CriCalls.start(cri, web);
                assertEquals(
                        ContainerState.CONTAINER_RUNNING, CriCalls.status(cri, web).getState());
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> Files.exists(shared.resolve("env")));
                assertEquals("1000", Files.readString(shared.resolve("uid")).strip());
                assertEquals(
                        "1000 10",
                        Files.readString(shared.resolve("groups")).strip(),
                        "its group, and the one the image's /etc/group makes it a member of");
                assertEquals("app-pod", Files.readString(shared.resolve("host")).strip());
                assertEquals("bar", Files.readString(shared.resolve("env")).strip());
                assertEquals("app-pod\n", Files.readString(shared.resolve("hostname")));
                assertEquals(
                        "search default.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
                        Files.readString(shared.resolve("resolv")),
                        "the pod's DNS config is the container's resolv.conf");
                int pausePid = CriCalls.pid(cri, pod, true);
                int webPid = CriCalls.pid(cri, web, false);
                assertEquals(
                        Files.readSymbolicLink(Path.of("/proc/" + pausePid + "/ns/net")),
                        Files.readSymbolicLink(Path.of("/proc/" + webPid + "/ns/net")),
                        "a pod's containers share its network");
                ContainerStatus ws = CriCalls.status(cri, web);
                assertTrue(ws.getStartedAt() >= ws.getCreatedAt());
                assertEquals(work.resolve("logs/web/0.log").toString(), ws.getLogPath());
                assertTrue(
                        ws.getImageRef().startsWith("docker.io/library/busybox@sha256:"),
                        ws.getImageRef());

                // its output in the kubelet's log file, in the CRI format: a line over 16 KiB in
                // parts
                Path webLog = work.resolve("logs/web/0.log");
                await().atMost(Duration.ofSeconds(30))
                        .until(
                                () ->
                                        Files.exists(webLog)
                                                && Files.readAllLines(webLog).size() >= 4);
                List<String> records = Files.readAllLines(webLog);
                String time = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z ";
                List<String> seen =
                        records.stream()
                                .map(
                                        line -> {
                                            assertTrue(
                                                    line.matches(time + "(stdout|stderr) [FP] .*"),
                                                    line);
                                            String rest = line.substring(line.indexOf(' ') + 1);
                                            return rest.length() > 40
                                                    ? rest.substring(0, 9) + rest.length()
                                                    : rest;
                                        })
                                .sorted()
                                .toList();
                assertEquals(
                        List.of(
                                "stderr F oops",
                                "stdout F 3625",
                                "stdout F hello",
                                "stdout P 16393"),
                        seen,
                        "a 20,000-byte line is a P of 16,384 bytes and an F of the rest");

                // an image a container runs from stays
                StatusRuntimeException inUse =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        dev.nana.cri.v1.ImageServiceGrpc.newBlockingStub(
                                                        grpc.channel())
                                                .removeImage(
                                                        dev.nana.cri.v1.RemoveImageRequest
                                                                .newBuilder()
                                                                .setImage(
                                                                        ImageSpec.newBuilder()
                                                                                .setImage(
                                                                                        "busybox:1.36"))
                                                                .build()));
                assertEquals(Status.Code.FAILED_PRECONDITION, inUse.getStatus().getCode());
                assertTrue(
                        inUse.getStatus().getDescription().contains("in use"), inUse.getMessage());
                NanaCli.Run rm = nana.run("image", "rm", "busybox:1.36");
                assertEquals(125, rm.exit());
                assertTrue(rm.err().contains("in use"), rm.err());

                // a command run to its end, and one that outlives its timeout
                var exec =
                        cri.execSync(
                                ExecSyncRequest.newBuilder()
                                        .setContainerId(web)
                                        .addCmd("sh")
                                        .addCmd("-c")
                                        .addCmd("echo out; echo err >&2; exit 4")
                                        .build());
                assertEquals("out\n", exec.getStdout().toStringUtf8());
                assertEquals("err\n", exec.getStderr().toStringUtf8());
                assertEquals(4, exec.getExitCode());
                StatusRuntimeException slow =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        cri.execSync(
                                                ExecSyncRequest.newBuilder()
                                                        .setContainerId(web)
                                                        .addCmd("sh")
                                                        .addCmd("-c")
                                                        .addCmd("sleep 30")
                                                        .setTimeout(1)
                                                        .build()));
                assertEquals(
                        Status.Code.DEADLINE_EXCEEDED,
                        slow.getStatus().getCode(),
                        slow.getMessage());
                assertTrue(
                        slow.getStatus().getDescription().contains("timeout"), slow.getMessage());
                // chatty probes, several at once: each answer cut at 1 MiB, the daemon's heap
                // (32 MiB) untouched by the rest (7 MB each once killed it)
                var chatty = java.util.concurrent.Executors.newFixedThreadPool(6);
                List<java.util.concurrent.Future<dev.nana.cri.v1.ExecSyncResponse>> probes =
                        new java.util.ArrayList<>();
                for (int i = 0; i < 6; i++)
                    probes.add(
                            chatty.submit(
                                    () ->
                                            cri.execSync(
                                                    ExecSyncRequest.newBuilder()
                                                            .setContainerId(web)
                                                            .addCmd("busybox")
                                                            .addCmd("seq")
                                                            .addCmd("1000000")
                                                            .setTimeout(60)
                                                            .build())));
                for (var probe : probes) {
                    var answer = probe.get(120, java.util.concurrent.TimeUnit.SECONDS);
                    assertEquals(0, answer.getExitCode());
                    assertEquals(1 << 20, answer.getStdout().size(), "cut at 1 MiB");
                    assertTrue(answer.getStdout().toStringUtf8().startsWith("1\n2\n3\n"));
                }
                chatty.shutdown();
                assertEquals(0, nana.run("ps").exit(), "the daemon serves on");

                // resources changed while it runs, and its stats
                cri.updateContainerResources(
                        UpdateContainerResourcesRequest.newBuilder()
                                .setContainerId(web)
                                .setLinux(
                                        LinuxContainerResources.newBuilder()
                                                .setMemoryLimitInBytes(64 << 20))
                                .build());
                var stats =
                        cri.containerStats(
                                        ContainerStatsRequest.newBuilder()
                                                .setContainerId(web)
                                                .build())
                                .getStats();
                assertEquals(web, stats.getAttributes().getId());
                assertTrue(stats.getMemory().getUsageBytes().getValue() > 0);
                assertTrue(
                        stats.getMemory().getAvailableBytes().getValue() <= 64 << 20,
                        "the new limit bounds what is available");

                // its metrics, as a kubelet's /metrics/cadvisor reads them from the runtime
                var described =
                        cri
                                .listMetricDescriptors(
                                        ListMetricDescriptorsRequest.getDefaultInstance())
                                .getDescriptorsList()
                                .stream()
                                .collect(
                                        java.util.stream.Collectors.toMap(
                                                MetricDescriptor::getName,
                                                MetricDescriptor::getLabelKeysCount));
                PodSandboxMetrics podMetrics =
                        cri
                                .listPodSandboxMetrics(
                                        ListPodSandboxMetricsRequest.getDefaultInstance())
                                .getPodMetricsList()
                                .stream()
                                .filter(m -> m.getPodSandboxId().equals(pod))
                                .findFirst()
                                .orElseThrow();
                var webMetrics =
                        podMetrics.getContainerMetricsList().stream()
                                .filter(m -> m.getContainerId().equals(web))
                                .findFirst()
                                .orElseThrow()
                                .getMetricsList();
                List<Metric> all = new java.util.ArrayList<>(podMetrics.getMetricsList());
                all.addAll(webMetrics);
                for (Metric m : all)
                    assertEquals(
                            described.get(m.getName()),
                            m.getLabelValuesCount(),
                            "described, with as many label keys as values: " + m);
                java.util.function.Function<String, Metric> webMetric =
                        name ->
                                webMetrics.stream()
                                        .filter(m -> m.getName().equals(name))
                                        .findFirst()
                                        .orElseThrow(() -> new AssertionError(name));
                assertEquals(
                        List.of(web, "web", "busybox:1.36"),
                        webMetric.apply("container_memory_usage_bytes").getLabelValuesList());
                assertTrue(
                        webMetric.apply("container_memory_usage_bytes").getValue().getValue() > 0);
                assertEquals(
                        64 << 20,
                        webMetric.apply("container_spec_memory_limit_bytes").getValue().getValue());
                assertTrue(webMetric.apply("container_processes").getValue().getValue() >= 1);
                assertTrue(
                        podMetrics.getMetricsList().stream()
                                .anyMatch(
                                        m ->
                                                m.getName()
                                                                .equals(
                                                                        "container_network_receive_packets_total")
                                                        && m.getLabelValuesList()
                                                                .equals(
                                                                        List.of(
                                                                                pod, "POD", "",
                                                                                "eth0"))),
                        "the pod's own network, by interface: " + podMetrics.getMetricsList());

                // root, no capabilities, no new privileges, a read-only root
                String locked =
                        CriCalls.create(
                                cri,
                                pod,
                                podConfig,
                                CriCalls.container(
                                                "locked",
                                                "grep -E '^(CapEff|NoNewPrivs|Seccomp)' /proc/self/status > /shared/status;"
                                                        + " touch /file 2> /shared/ro; sleep 1000")
                                        .addMounts(
                                                Mount.newBuilder()
                                                        .setContainerPath("/shared")
                                                        .setHostPath(shared.toString()))
                                        .setLinux(
                                                LinuxContainerConfig.newBuilder()
                                                        .setSecurityContext(
                                                                LinuxContainerSecurityContext
                                                                        .newBuilder()
                                                                        .setRunAsUser(
                                                                                Int64Value
                                                                                        .newBuilder()
                                                                                        .setValue(
                                                                                                0))
                                                                        .setReadonlyRootfs(true)
                                                                        .setNoNewPrivs(true)
                                                                        .setCapabilities(
                                                                                Capability
                                                                                        .newBuilder()
                                                                                        .addDropCapabilities(
                                                                                                "ALL")))));
                CriCalls.start(cri, locked);
                await().atMost(Duration.ofSeconds(30))
                        .until(
                                () ->
                                        Files.exists(shared.resolve("ro"))
                                                && Files.size(shared.resolve("ro")) > 0);
                String st = Files.readString(shared.resolve("status"));
                assertTrue(st.contains("CapEff:\t0000000000000000"), st);
                assertTrue(st.contains("NoNewPrivs:\t1"), st);
                assertTrue(
                        st.contains("Seccomp:\t0"),
                        "no profile asked: unconfined, as containerd: " + st);
                assertTrue(
                        Files.readString(shared.resolve("ro")).contains("Read-only file system"));

                // seccomp: none unless asked, nana's default, or a profile file on the node
                Path profile = work.resolve("no-mkdir.json");
                Files.writeString(
                        profile,
                        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
                                + "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}");
                for (var confined :
                        List.of(
                                SecurityProfile.newBuilder()
                                        .setProfileType(SecurityProfile.ProfileType.RuntimeDefault),
                                SecurityProfile.newBuilder()
                                        .setProfileType(SecurityProfile.ProfileType.Localhost)
                                        .setLocalhostRef(profile.toString()))) {
                    String name = confined.getProfileType().name();
                    String id =
                            CriCalls.create(
                                    cri,
                                    pod,
                                    podConfig,
                                    CriCalls.container(
                                                    name.toLowerCase(java.util.Locale.ROOT),
                                                    "grep Seccomp: /proc/self/status > /shared/"
                                                            + name
                                                            + ";"
                                                            + " mkdir /shared/d-"
                                                            + name
                                                            + " 2> /shared/"
                                                            + name
                                                            + ".mkdir; sleep 1000")
                                            .addMounts(
                                                    Mount.newBuilder()
                                                            .setContainerPath("/shared")
                                                            .setHostPath(shared.toString()))
                                            .setLinux(
                                                    LinuxContainerConfig.newBuilder()
                                                            .setSecurityContext(
                                                                    LinuxContainerSecurityContext
                                                                            .newBuilder()
                                                                            .setSeccomp(
                                                                                    confined))));
                    CriCalls.start(cri, id);
                    await().atMost(Duration.ofSeconds(30))
                            .until(() -> Files.exists(shared.resolve(name + ".mkdir")));
                    assertEquals(
                            "Seccomp:\t2", Files.readString(shared.resolve(name)).strip(), name);
                    cri.removeContainer(
                            RemoveContainerRequest.newBuilder().setContainerId(id).build());
                }
                assertEquals(
                        "",
                        Files.readString(shared.resolve("RuntimeDefault.mkdir")),
                        "mkdir is allowed");
                assertTrue(
                        Files.readString(shared.resolve("Localhost.mkdir"))
                                .contains("Operation not permitted"),
                        "the node's profile denies mkdir");
                // an exit code, a TERM honoured, a TERM ignored, and an OOM kill
                String exits =
                        CriCalls.create(cri, pod, podConfig, CriCalls.container("exits", "exit 3"));
                CriCalls.start(cri, exits);
                CriCalls.awaitState(cri, exits, ContainerState.CONTAINER_EXITED);
                ContainerStatus es = CriCalls.status(cri, exits);
                assertEquals(3, es.getExitCode());
                assertEquals("Error", es.getReason());
                assertTrue(es.getFinishedAt() >= es.getStartedAt());

                String polite =
                        CriCalls.create(
                                cri,
                                pod,
                                podConfig,
                                CriCalls.container(
                                        "polite",
                                        "trap 'exit 143' TERM; while true; do sleep 0.1; done"));
                String stubborn =
                        CriCalls.create(
                                cri,
                                pod,
                                podConfig,
                                CriCalls.container(
                                        "stubborn",
                                        "trap '' TERM; while true; do sleep 0.1; done"));
                CriCalls.start(cri, polite);
                CriCalls.start(cri, stubborn);
                cri.stopContainer(
                        StopContainerRequest.newBuilder()
                                .setContainerId(polite)
                                .setTimeout(10)
                                .build());
                assertEquals(
                        143, CriCalls.status(cri, polite).getExitCode(), "stopped by its TERM");
                cri.stopContainer(
                        StopContainerRequest.newBuilder()
                                .setContainerId(stubborn)
                                .setTimeout(1)
                                .build());
                assertEquals(
                        137,
                        CriCalls.status(cri, stubborn).getExitCode(),
                        "killed past its timeout");
                cri.stopContainer(
                        StopContainerRequest.newBuilder()
                                .setContainerId(stubborn)
                                .build()); // idempotent

                String hog =
                        CriCalls.create(
                                cri,
                                pod,
                                podConfig,
                                CriCalls.container("hog", "tail /dev/zero")
                                        .setLinux(
                                                LinuxContainerConfig.newBuilder()
                                                        .setResources(
                                                                LinuxContainerResources.newBuilder()
                                                                        .setMemoryLimitInBytes(
                                                                                16 << 20))));
                CriCalls.start(cri, hog);
                CriCalls.awaitState(cri, hog, ContainerState.CONTAINER_EXITED);
                assertEquals("OOMKilled", CriCalls.status(cri, hog).getReason());

                assertEquals(
                        List.of(web, locked),
                        cri
                                .listContainers(
                                        ListContainersRequest.newBuilder()
                                                .setFilter(
                                                        ContainerFilter.newBuilder()
                                                                .setPodSandboxId(pod)
                                                                .setState(
                                                                        dev.nana.cri.v1
                                                                                .ContainerStateValue
                                                                                .newBuilder()
                                                                                .setState(
                                                                                        ContainerState
                                                                                                .CONTAINER_RUNNING)))
                                                .build())
                                .getContainersList()
                                .stream()
                                .map(c -> c.getId())
                                .toList());

                // the kubelet rotates a log: renames it, and the container writes on in a new file
                String ticker =
                        CriCalls.create(
                                cri,
                                pod,
                                podConfig,
                                CriCalls.container(
                                                "ticker",
                                                "while true; do echo tick; sleep 0.1; done")
                                        .setLogPath("ticker/0.log"));
                CriCalls.start(cri, ticker);
                Path tickerLog = work.resolve("logs/ticker/0.log");
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> Files.exists(tickerLog) && Files.size(tickerLog) > 0);
                Files.move(tickerLog, tickerLog.resolveSibling("0.log.1"));
                cri.reopenContainerLog(
                        ReopenContainerLogRequest.newBuilder().setContainerId(ticker).build());
                await().atMost(Duration.ofSeconds(30))
                        .until(
                                () ->
                                        Files.exists(tickerLog)
                                                && Files.readString(tickerLog)
                                                        .contains(" stdout F tick"));
                // a symlink planted where the log goes: refused, saying so, and never followed
                Path elsewhere = work.resolve("elsewhere");
                Files.writeString(elsewhere, "keep\n");
                Files.move(tickerLog, tickerLog.resolveSibling("0.log.2"));
                Files.createSymbolicLink(tickerLog, elsewhere);
                StatusRuntimeException planted =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        cri.reopenContainerLog(
                                                ReopenContainerLogRequest.newBuilder()
                                                        .setContainerId(ticker)
                                                        .build()));
                assertEquals(
                        Status.Code.FAILED_PRECONDITION,
                        planted.getStatus().getCode(),
                        planted.getMessage());
                assertTrue(planted.getMessage().contains("a symlink"), planted.getMessage());
                Thread.sleep(300);
                assertEquals("keep\n", Files.readString(elsewhere), "the link was not followed");
                Files.delete(tickerLog);
                cri.removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(ticker).build());

                // bad input: a clear status, and no container, mount or folder left
                int before =
                        cri.listContainers(ListContainersRequest.getDefaultInstance())
                                .getContainersCount();
                StatusRuntimeException noImage =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        CriCalls.create(
                                                cri,
                                                pod,
                                                podConfig,
                                                CriCalls.container("x", "true")
                                                        .setImage(
                                                                ImageSpec.newBuilder()
                                                                        .setImage("nothing:1"))));
                assertEquals(Status.Code.NOT_FOUND, noImage.getStatus().getCode());
                assertTrue(noImage.getStatus().getDescription().contains("nothing:1"));
                StatusRuntimeException noPath =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        CriCalls.create(
                                                cri,
                                                pod,
                                                podConfig,
                                                CriCalls.container("y", "true")
                                                        .addMounts(
                                                                Mount.newBuilder()
                                                                        .setContainerPath("/x")
                                                                        .setHostPath(
                                                                                "/no/such/path"))));
                assertEquals(Status.Code.INVALID_ARGUMENT, noPath.getStatus().getCode());
                assertTrue(noPath.getStatus().getDescription().contains("/no/such/path"));
                StatusRuntimeException badOom =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        CriCalls.create(
                                                cri,
                                                pod,
                                                podConfig,
                                                CriCalls.container("z", "true")
                                                        .setLinux(
                                                                dev.nana.cri.v1.LinuxContainerConfig
                                                                        .newBuilder()
                                                                        .setResources(
                                                                                dev.nana.cri.v1
                                                                                        .LinuxContainerResources
                                                                                        .newBuilder()
                                                                                        .setOomScoreAdj(
                                                                                                4294967297L)))));
                assertEquals(Status.Code.INVALID_ARGUMENT, badOom.getStatus().getCode());
                assertTrue(
                        badOom.getStatus().getDescription().contains("-1000 to 1000"),
                        badOom.getStatus().getDescription());
                assertEquals(
                        before,
                        cri.listContainers(ListContainersRequest.getDefaultInstance())
                                .getContainersCount());
                try (var dirs = Files.list(nana.stateDir.resolve(".cri/containers"))) {
                    assertEquals(before, dirs.count());
                }

                // a removed container takes its root filesystem's mount with it
                cri.removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(exits).build());
                assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(exits));
            }

            // SIGKILLed and restarted: the running containers run, and are reported so
            nana.killDaemon();
            nana.startDaemon();
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                var all =
                        cri.listContainers(ListContainersRequest.getDefaultInstance())
                                .getContainersList();
                assertEquals(5, all.size());
                String web = all.getFirst().getId();
                assertEquals(
                        ContainerState.CONTAINER_RUNNING, CriCalls.status(cri, web).getState());
                String pod = all.getFirst().getPodSandboxId();
                cri.removePodSandbox(
                        RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
                assertEquals(
                        0,
                        cri.listContainers(ListContainersRequest.getDefaultInstance())
                                .getContainersCount());
            }
            assertFalse(
                    Files.readString(Path.of("/proc/self/mountinfo"))
                            .contains(nana.stateDir.toString()),
                    "no root filesystem is left mounted");
            assertEquals("", nana.run("ps", "-q").out().strip());
        } finally {
            StateDir.deleteTree(work);
        }
    }

    @Test
    void hostDevicesAreGivenAsAskedAndBadOnesRefused() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-dev-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            OciLayouts.importBusybox(nana, work, "0");
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                PodSandboxConfig podConfig =
                        CriCalls.pod("devices", dev.nana.cri.v1.NamespaceMode.POD).build();
                String pod = CriCalls.runPod(cri, podConfig);
                // /dev/kmsg (1:11) is not among a container's default devices
                String id =
                        CriCalls.startContainer(
                                cri,
                                pod,
                                podConfig,
                                CriCalls.container("dev", "sleep 1000")
                                        .addDevices(
                                                dev.nana.cri.v1.Device.newBuilder()
                                                        .setHostPath("/dev/kmsg")
                                                        .setContainerPath("/dev/mykmsg")
                                                        .setPermissions("rw")));
                var stat = CriCalls.execSync(cri, id, "stat -c '%t:%T %F' /dev/mykmsg");
                assertEquals(
                        "1:b character special file\n",
                        stat.getStdout().toStringUtf8(),
                        stat.toString());
                var write = CriCalls.execSync(cri, id, "echo nana-device-test > /dev/mykmsg");
                assertEquals(0, write.getExitCode(), "the cgroup lets it write: " + write);

                // a privileged container: the node's devices, every capability
                String privileged =
                        CriCalls.startContainer(
                                cri,
                                pod,
                                podConfig,
                                CriCalls.container("privileged", "sleep 1000")
                                        .setLinux(
                                                dev.nana.cri.v1.LinuxContainerConfig.newBuilder()
                                                        .setSecurityContext(
                                                                dev.nana.cri.v1
                                                                        .LinuxContainerSecurityContext
                                                                        .newBuilder()
                                                                        .setPrivileged(true))));
                var kmsg = CriCalls.execSync(cri, privileged, "stat -c %F /dev/kmsg");
                assertEquals(
                        "character special file\n",
                        kmsg.getStdout().toStringUtf8(),
                        kmsg.toString());
                String ownCaps =
                        Files.readAllLines(Path.of("/proc/self/status")).stream()
                                .filter(l -> l.startsWith("CapEff:"))
                                .findFirst()
                                .orElseThrow();
                var caps = CriCalls.execSync(cri, privileged, "grep CapEff: /proc/self/status");
                assertEquals(
                        ownCaps.replaceAll("\\s+", " "),
                        caps.getStdout().toStringUtf8().strip().replaceAll("\\s+", " "));

                for (String bad : List.of("/dev/nosuch", work.toString() + "/busybox/oci-layout")) {
                    StatusRuntimeException e =
                            assertThrows(
                                    StatusRuntimeException.class,
                                    () ->
                                            CriCalls.create(
                                                    cri,
                                                    pod,
                                                    podConfig,
                                                    CriCalls.container("bad", "true")
                                                            .addDevices(
                                                                    dev.nana.cri.v1.Device
                                                                            .newBuilder()
                                                                            .setHostPath(bad))));
                    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
                    assertTrue(e.getStatus().getDescription().contains(bad), e.getMessage());
                }
                cri.removePodSandbox(
                        RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            }
            assertEquals(List.of(), dev.nana.it.Leaks.mounts(nana.stateDir));
        } finally {
            StateDir.deleteTree(work);
        }
    }
}
