package dev.nana.it.cri;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nana.cri.v1.ContainerConfig;
import dev.nana.cri.v1.ContainerMetadata;
import dev.nana.cri.v1.ContainerState;
import dev.nana.cri.v1.ContainerStatus;
import dev.nana.cri.v1.ContainerStatusRequest;
import dev.nana.cri.v1.CreateContainerRequest;
import dev.nana.cri.v1.ExecSyncRequest;
import dev.nana.cri.v1.ExecSyncResponse;
import dev.nana.cri.v1.ImageSpec;
import dev.nana.cri.v1.LinuxPodSandboxConfig;
import dev.nana.cri.v1.LinuxSandboxSecurityContext;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.NamespaceOption;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.PodSandboxMetadata;
import dev.nana.cri.v1.PodSandboxStatus;
import dev.nana.cri.v1.PodSandboxStatusRequest;
import dev.nana.cri.v1.RunPodSandboxRequest;
import dev.nana.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.nana.cri.v1.StartContainerRequest;
import java.time.Duration;

/** The CRI calls the tests make as a kubelet makes them, in one place. */
final class CriCalls {
    static final ObjectMapper JSON = new ObjectMapper();

    private CriCalls() {}

    /** A pod's config: name, uid and namespace, labels, and its namespace modes. */
    static PodSandboxConfig.Builder pod(String name, NamespaceMode network) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(
                        PodSandboxMetadata.newBuilder()
                                .setName(name)
                                .setUid("uid-" + name)
                                .setNamespace("default")
                                .setAttempt(0))
                .setHostname(name + "-host")
                .putLabels("app", name)
                .putAnnotations("note", "kept as given")
                .setLinux(
                        LinuxPodSandboxConfig.newBuilder()
                                .setSecurityContext(
                                        LinuxSandboxSecurityContext.newBuilder()
                                                .setNamespaceOptions(
                                                        NamespaceOption.newBuilder()
                                                                .setNetwork(network)
                                                                .setPid(NamespaceMode.CONTAINER)
                                                                .setIpc(NamespaceMode.POD))));
    }

    static String runPod(RuntimeServiceBlockingStub cri, PodSandboxConfig config) {
        return cri.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
    }

    static PodSandboxStatus podStatus(RuntimeServiceBlockingStub cri, String id) {
        return cri.podSandboxStatus(
                        PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
                .getStatus();
    }

    /** The pid a sandbox's or a container's verbose status gives. */
    static int pid(RuntimeServiceBlockingStub cri, String id, boolean sandbox) throws Exception {
        String info =
                sandbox
                        ? cri.podSandboxStatus(
                                        PodSandboxStatusRequest.newBuilder()
                                                .setPodSandboxId(id)
                                                .setVerbose(true)
                                                .build())
                                .getInfoMap()
                                .get("info")
                        : cri.containerStatus(
                                        ContainerStatusRequest.newBuilder()
                                                .setContainerId(id)
                                                .setVerbose(true)
                                                .build())
                                .getInfoMap()
                                .get("info");
        return JSON.readTree(info).path("pid").asInt();
    }

    /** A busybox container that runs script with sh. */
    static ContainerConfig.Builder container(String name, String script) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage("busybox:1.36"))
                .addCommand("sh")
                .addArgs("-c")
                .addArgs(script);
    }

    static String create(
            RuntimeServiceBlockingStub cri,
            String pod,
            PodSandboxConfig podConfig,
            ContainerConfig.Builder c) {
        return cri.createContainer(
                        CreateContainerRequest.newBuilder()
                                .setPodSandboxId(pod)
                                .setConfig(c)
                                .setSandboxConfig(podConfig)
                                .build())
                .getContainerId();
    }

    static void start(RuntimeServiceBlockingStub cri, String id) {
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    }

    /** Creates and starts a container; returns its id. */
    static String startContainer(
            RuntimeServiceBlockingStub cri,
            String pod,
            PodSandboxConfig podConfig,
            ContainerConfig.Builder c) {
        String id = create(cri, pod, podConfig, c);
        start(cri, id);
        return id;
    }

    static ContainerStatus status(RuntimeServiceBlockingStub cri, String id) {
        return cri.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
                .getStatus();
    }

    static void awaitState(RuntimeServiceBlockingStub cri, String id, ContainerState state) {
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> status(cri, id).getState() == state);
    }

    /** Runs script with sh in a container, to its end. */
    static ExecSyncResponse execSync(RuntimeServiceBlockingStub cri, String id, String script) {
        return cri.execSync(
                ExecSyncRequest.newBuilder()
                        .setContainerId(id)
                        .addCmd("sh")
                        .addCmd("-c")
                        .addCmd(script)
                        .setTimeout(30)
                        .build());
    }
}
