package dev.nana.it.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.cri.v1.CheckpointContainerRequest;
import dev.nana.cri.v1.ContainerState;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.RuntimeServiceGrpc;
import dev.nana.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import dev.nana.it.lifecycle.CheckpointRefusalTest;
import dev.nana.supervisor.state.StateDir;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

/**
 * The CRI's CheckpointContainer: where CRIU works, a tar of the container's CRIU image at the
 * location asked, the container running on; where it does not (Debian 12's criu 3.17 on a newer
 * kernel), nana's refusal naming the fix, nothing written, the container running on. Bad locations
 * are refused before anything is touched.
 */
class CriCheckpointTest {
    @Test
    void aCheckpointIsAnArchiveAtTheLocationOrARefusalThatNamesCriu() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-cri-checkpoint-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            OciLayouts.importBusybox(nana, work, "0");
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
                PodSandboxConfig pod = CriCalls.pod("checkpoint", NamespaceMode.POD).build();
                String podId = CriCalls.runPod(cri, pod);
                String c =
                        CriCalls.startContainer(
                                cri, podId, pod, CriCalls.container("app", "sleep 1000"));
                Path location = work.resolve("out").resolve("app.tar");
                CheckpointContainerRequest asked =
                        CheckpointContainerRequest.newBuilder()
                                .setContainerId(c)
                                .setLocation(location.toString())
                                .build();
                if (CheckpointRefusalTest.criuWorks()) {
                    var _ = cri.checkpointContainer(asked);
                    List<String> names = new java.util.ArrayList<>();
                    try (TarArchiveInputStream tar =
                            new TarArchiveInputStream(Files.newInputStream(location))) {
                        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; )
                            names.add(e.getName());
                    }
                    assertTrue(names.contains("checkpoint/inventory.img"), names.toString());
                } else {
                    StatusRuntimeException refused =
                            assertThrows(
                                    StatusRuntimeException.class,
                                    () -> cri.checkpointContainer(asked));
                    assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
                    assertTrue(
                            refused.getStatus()
                                    .getDescription()
                                    .toLowerCase(java.util.Locale.ROOT)
                                    .contains("criu"),
                            refused.getStatus().getDescription());
                    assertFalse(Files.exists(location), "nothing written");
                    try (var left = Files.list(location.getParent())) {
                        assertEquals(List.of(), left.toList(), "no work folder left");
                    }
                }
                assertEquals(
                        ContainerState.CONTAINER_RUNNING,
                        CriCalls.status(cri, c).getState(),
                        "it runs on");

                // what is refused before anything is touched
                for (String bad : List.of("", "relative.tar", "/"))
                    assertEquals(
                            Status.Code.INVALID_ARGUMENT,
                            assertThrows(
                                            StatusRuntimeException.class,
                                            () ->
                                                    cri.checkpointContainer(
                                                            asked.toBuilder()
                                                                    .setLocation(bad)
                                                                    .build()))
                                    .getStatus()
                                    .getCode(),
                            bad);
                Files.writeString(work.resolve("taken.tar"), "mine");
                assertEquals(
                        Status.Code.ALREADY_EXISTS,
                        assertThrows(
                                        StatusRuntimeException.class,
                                        () ->
                                                cri.checkpointContainer(
                                                        asked.toBuilder()
                                                                .setLocation(
                                                                        work.resolve("taken.tar")
                                                                                .toString())
                                                                .build()))
                                .getStatus()
                                .getCode());
                assertEquals("mine", Files.readString(work.resolve("taken.tar")), "not touched");
                assertEquals(
                        Status.Code.NOT_FOUND,
                        assertThrows(
                                        StatusRuntimeException.class,
                                        () ->
                                                cri.checkpointContainer(
                                                        asked.toBuilder()
                                                                .setContainerId("feedface")
                                                                .build()))
                                .getStatus()
                                .getCode());
            }
        } finally {
            StateDir.deleteTree(work);
        }
    }
}
