package dev.nana.it.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.cri.v1.ListPodSandboxRequest;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.RemovePodSandboxRequest;
import dev.nana.cri.v1.RuntimeServiceGrpc;
import dev.nana.it.GrpcChannel;
import dev.nana.it.Leaks;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.state.StateDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A CRI record that cannot be read back (torn by hand while the daemon was down) is treated as a
 * torn state.json is: its pause process and its container are killed and deleted, its mount, its
 * network namespace and its CNI attachment undone, its folder set aside in .cri/.trash. Left as it
 * was, the pod was invisible, RemovePodSandbox answered OK and removed nothing, and it all ran on.
 */
@Tag("fault")
class TornCriRecordTest {
    @Test
    void aPodAndAContainerWhoseRecordsAreTornAreKilledUndoneAndSetAside() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-torn-cri-");
        try (NanaCli nana = new NanaCli()) {
            OciLayouts.importBusybox(nana, work, "0");
            nana.startDaemon();
            String pod;
            String container;
            int pausePid;
            int containerPid;
            PodSandboxConfig config = CriCalls.pod("torn", NamespaceMode.POD).build();
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                var cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                pod = CriCalls.runPod(cri, config);
                container =
                        CriCalls.startContainer(
                                cri, pod, config, CriCalls.container("app", "sleep 1000"));
                pausePid = CriCalls.pid(cri, pod, true);
                containerPid = CriCalls.pid(cri, container, false);
            }
            nana.killDaemon();
            Path cri = nana.stateDir.resolve(".cri");
            Files.writeString(
                    cri.resolve("sandboxes").resolve(pod).resolve("sandbox.json"), "{\"id\": \"to");
            Files.writeString(
                    cri.resolve("containers").resolve(container).resolve("container.json"), "[");
            nana.startDaemon();

            for (int pid : List.of(pausePid, containerPid)) // killed (and reaped, a bit later)
            org.awaitility.Awaitility.await("process " + pid + " killed")
                        .atMost(java.time.Duration.ofSeconds(10))
                        .until(
                                () ->
                                        !ProcessHandle.of(pid)
                                                .map(ProcessHandle::isAlive)
                                                .orElse(false));
            assertEquals("", nana.run("ps", "-q").out().strip(), "no nana container left");
            assertEquals(
                    List.of(), Leaks.settled(() -> Leaks.runtimeState(Set.of(pod, container))));
            assertEquals(
                    List.of(), Leaks.mounts(nana.stateDir), "no rootfs, no netns left mounted");
            try (Stream<Path> trash = Files.list(cri.resolve(".trash"))) {
                assertEquals(2, trash.count(), "both folders set aside");
            }
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                var stub = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                assertEquals(
                        0,
                        stub.listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                                .getItemsCount());
                // removing what is gone stays OK (idempotent)
                stub.removePodSandbox(
                        RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
                // and the pod can be run again
                String again = CriCalls.runPod(stub, config);
                assertTrue(!again.isEmpty());
                stub.stopPodSandbox(
                        dev.nana.cri.v1.StopPodSandboxRequest.newBuilder()
                                .setPodSandboxId(again)
                                .build());
                stub.removePodSandbox(
                        RemovePodSandboxRequest.newBuilder().setPodSandboxId(again).build());
            }
        } finally {
            StateDir.deleteTree(work);
        }
    }
}
