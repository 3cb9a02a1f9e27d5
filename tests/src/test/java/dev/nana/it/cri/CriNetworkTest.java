package dev.nana.it.cri;

import static dev.nana.it.cri.CriCalls.container;
import static dev.nana.it.cri.CriCalls.execSync;
import static dev.nana.it.cri.CriCalls.pod;
import static dev.nana.it.cri.CriCalls.podStatus;
import static dev.nana.it.cri.CriCalls.runPod;
import static dev.nana.it.cri.CriCalls.startContainer;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.cri.v1.ExecSyncResponse;
import dev.nana.cri.v1.ListPodSandboxRequest;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.PodSandboxState;
import dev.nana.cri.v1.PortMapping;
import dev.nana.cri.v1.RemovePodSandboxRequest;
import dev.nana.cri.v1.RuntimeCondition;
import dev.nana.cri.v1.RuntimeServiceGrpc;
import dev.nana.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.nana.cri.v1.StatusRequest;
import dev.nana.cri.v1.StopPodSandboxRequest;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.state.StateDir;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Pods on a CNI network with Debian's plugins (bridge, host-local, portmap, loopback): pod IPs,
 * pods reaching each other and their containers reaching each other by pod IP, a port mapped on the
 * node, the node's own network for a host-network pod, a daemon SIGKILLed with pods running, and
 * networks that cannot be set up, which leave nothing behind.
 */
class CriNetworkTest {
    private static RuntimeCondition networkReady(RuntimeServiceBlockingStub cri) {
        return cri
                .status(StatusRequest.getDefaultInstance())
                .getStatus()
                .getConditionsList()
                .stream()
                .filter(c -> c.getType().equals("NetworkReady"))
                .findFirst()
                .orElseThrow();
    }

    private static String httpGet(String host, int port) throws Exception {
        try (Socket s = new Socket(host, port)) {
            s.getOutputStream()
                    .write(
                            ("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
            try (InputStream in = s.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    @Test
    void podsGetAddressesAndReachEachOtherByPodIp() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-net-");
        TestNetwork net = TestNetwork.in(work);
        try (NanaCli nana = new NanaCli()) {
            String[] daemonArgs = {"--cni-conf-dir", work.resolve("conf").toString()};
            nana.startDaemon(daemonArgs);
            OciLayouts.importBusybox(nana, work, "0");
            int hostPort = LocalRegistry.freePort();
            String client;
            String webPod;
            String clientPod;
            String webIp;
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                assertTrue(networkReady(cri).getStatus(), networkReady(cri).toString());

                PodSandboxConfig webConfig =
                        pod("web", NamespaceMode.POD)
                                .addPortMappings(
                                        PortMapping.newBuilder()
                                                .setContainerPort(8080)
                                                .setHostPort(hostPort))
                                .build();
                webPod = runPod(cri, webConfig);
                webIp = podStatus(cri, webPod).getNetwork().getIp();
                assertTrue(webIp.startsWith(net.prefix()), webIp);
                assertEquals(List.of(webIp), net.allocated());
                startContainer(
                        cri,
                        webPod,
                        webConfig,
                        container(
                                "httpd",
                                "mkdir -p /www && echo hello from web > /www/index.html"
                                        + " && exec httpd -f -p 8080 -h /www"));
                // a second container of the same pod: the pod's address is its own too
                String sidecar =
                        startContainer(cri, webPod, webConfig, container("sidecar", "sleep 1000"));
                await().atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(100))
                        .until(
                                () ->
                                        execSync(
                                                        cri,
                                                        sidecar,
                                                        "wget -q -O - http://" + webIp + ":8080/")
                                                .getStdout()
                                                .toStringUtf8()
                                                .equals("hello from web\n"));
                ExecSyncResponse ifaces = execSync(cri, sidecar, "ip -o -4 addr show eth0");
                assertTrue(
                        ifaces.getStdout().toStringUtf8().contains(webIp + "/24"),
                        ifaces.toString());
                ExecSyncResponse lo = execSync(cri, sidecar, "ip -o link show lo");
                assertTrue(lo.getStdout().toStringUtf8().contains("UP"), "lo is up: " + lo);

                // another pod reaches it across the bridge
                PodSandboxConfig clientConfig = pod("client", NamespaceMode.POD).build();
                clientPod = runPod(cri, clientConfig);
                String clientIp = podStatus(cri, clientPod).getNetwork().getIp();
                assertTrue(clientIp.startsWith(net.prefix()) && !clientIp.equals(webIp), clientIp);
                client =
                        startContainer(
                                cri, clientPod, clientConfig, container("client", "sleep 1000"));
                ExecSyncResponse got =
                        execSync(cri, client, "wget -q -O - http://" + webIp + ":8080/");
                assertEquals("hello from web\n", got.getStdout().toStringUtf8(), got.toString());

                // the node reaches it on the mapped port
                String gateway = net.prefix() + "1";
                assertTrue(httpGet(gateway, hostPort).contains("hello from web"));

                // a pod on the node's network: no address of its own, the node's interfaces
                PodSandboxConfig hostConfig = pod("hostnet", NamespaceMode.NODE).build();
                String hostPod = runPod(cri, hostConfig);
                assertEquals("", podStatus(cri, hostPod).getNetwork().getIp());
                String onHost =
                        startContainer(cri, hostPod, hostConfig, container("h", "sleep 1000"));
                assertTrue(
                        execSync(cri, onHost, "ip -o link")
                                .getStdout()
                                .toStringUtf8()
                                .contains(net.bridge()),
                        "the node's bridge is seen from the node's network");
                assertEquals(
                        Files.readAllLines(Path.of("/proc/sys/kernel/hostname")).getFirst() + "\n",
                        execSync(cri, onHost, "cat /etc/hostname").getStdout().toStringUtf8(),
                        "the node's hostname, whole");
                cri.stopPodSandbox(
                        StopPodSandboxRequest.newBuilder().setPodSandboxId(hostPod).build());
                cri.removePodSandbox(
                        RemovePodSandboxRequest.newBuilder().setPodSandboxId(hostPod).build());
            }

            // SIGKILLed with two pods running: they come back with their addresses and netns
            nana.killDaemon();
            nana.startDaemon(daemonArgs);
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                assertEquals(webIp, podStatus(cri, webPod).getNetwork().getIp());
                assertEquals(PodSandboxState.SANDBOX_READY, podStatus(cri, webPod).getState());
                ExecSyncResponse again =
                        execSync(cri, client, "wget -q -O - http://" + webIp + ":8080/");
                assertEquals("hello from web\n", again.getStdout().toStringUtf8());

                // stopped: the address is released and the netns goes; twice is no error
                for (int i = 0; i < 2; i++)
                    cri.stopPodSandbox(
                            StopPodSandboxRequest.newBuilder().setPodSandboxId(webPod).build());
                assertEquals(1, net.allocated().size(), "only the client's address is held");
                assertFalse(
                        Files.exists(nana.stateDir.resolve(".cri/sandboxes/" + webPod + "/netns")));
                for (String p : List.of(webPod, clientPod))
                    cri.removePodSandbox(
                            RemovePodSandboxRequest.newBuilder().setPodSandboxId(p).build());
                assertEquals(List.of(), net.allocated(), "every address released");
                assertEquals(
                        0,
                        cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                                .getItemsCount());
            }
            assertEquals(
                    List.of(),
                    dev.nana.it.Leaks.mounts(nana.stateDir),
                    "no netns, no root filesystem left mounted");
        } finally {
            net.removeBridge();
            StateDir.deleteTree(work);
        }
    }

    @Test
    void aNetworkThatCannotBeSetUpIsReportedAndLeavesNothing() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-net-");
        TestNetwork net = TestNetwork.in(work);
        try (NanaCli nana = new NanaCli()) {
            Path conf = work.resolve("conf/50-test.conflist");
            String good = Files.readString(conf);
            // a plugin the node does not have
            Files.writeString(conf, good.replace("\"type\": \"portmap\"", "\"type\": \"nosuch\""));
            nana.startDaemon("--cni-conf-dir", work.resolve("conf").toString());
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                RuntimeCondition notReady = networkReady(cri);
                assertFalse(notReady.getStatus());
                assertEquals("NetworkPluginNotReady", notReady.getReason());
                assertTrue(notReady.getMessage().contains("nosuch"), notReady.getMessage());
                StatusRuntimeException missing =
                        assertThrows(
                                StatusRuntimeException.class,
                                () -> runPod(cri, pod("a", NamespaceMode.POD).build()));
                assertEquals(Status.Code.FAILED_PRECONDITION, missing.getStatus().getCode());
                assertTrue(
                        missing.getStatus().getDescription().contains("nosuch"),
                        missing.getMessage());

                // a plugin that fails its ADD: what the chain added before it is deleted again
                Files.writeString(conf, good.replace("0/24", "0/33"));
                StatusRuntimeException failed =
                        assertThrows(
                                StatusRuntimeException.class,
                                () -> runPod(cri, pod("b", NamespaceMode.POD).build()));
                assertEquals(
                        Status.Code.UNAVAILABLE, failed.getStatus().getCode(), failed.getMessage());
                assertTrue(
                        failed.getStatus().getDescription().contains("bridge")
                                && failed.getStatus().getDescription().contains("default/b"),
                        failed.getMessage());

                assertEquals(
                        0,
                        cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                                .getItemsCount(),
                        "no half-made pod");
                assertEquals(List.of(), net.allocated(), "no address held");
                assertEquals(
                        List.of(),
                        dev.nana.it.Leaks.mounts(nana.stateDir),
                        "no netns left mounted");
                try (Stream<Path> s = Files.list(nana.stateDir.resolve(".cri/sandboxes"))) {
                    assertEquals(0, s.count(), "no sandbox folder");
                }

                // with no configuration at all, the daemon installs nana's
                Files.delete(conf);
                nana.stopDaemon();
                nana.startDaemon("--cni-conf-dir", work.resolve("conf").toString());
            }
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                assertTrue(networkReady(cri).getStatus(), networkReady(cri).toString());
                assertTrue(Files.exists(work.resolve("conf/10-nana.conflist")));
            }
        } finally {
            net.removeBridge();
            StateDir.deleteTree(work);
        }
    }
}
