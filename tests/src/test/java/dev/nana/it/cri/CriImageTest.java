package dev.nana.it.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.cri.v1.Image;
import dev.nana.cri.v1.ImageFsInfoRequest;
import dev.nana.cri.v1.ImageServiceGrpc;
import dev.nana.cri.v1.ImageServiceGrpc.ImageServiceBlockingStub;
import dev.nana.cri.v1.ImageSpec;
import dev.nana.cri.v1.ImageStatusRequest;
import dev.nana.cri.v1.ListImagesRequest;
import dev.nana.cri.v1.RemoveImageRequest;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.state.StateDir;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Images imported from OCI layouts into nana's store, seen through the CLI and the CRI's
 * ImageService: names, digests, ids, shared layers unpacked once, removal, and bad input.
 */
class CriImageTest {
    private static Image status(ImageServiceBlockingStub images, String ref) {
        var r =
                images.imageStatus(
                        ImageStatusRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(ref))
                                .build());
        return r.hasImage() ? r.getImage() : null;
    }

    private static List<String> layers(NanaCli nana) throws Exception {
        try (var s = Files.list(nana.stateDir.resolve(".images/layers"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void importedImagesAreListedFoundSharedAndRemoved() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-oci-");
        try (NanaCli nana = new NanaCli()) {
            byte[][] layer = OciLayouts.busyboxLayer();
            String manifest = OciLayouts.layout(work.resolve("busybox"), layer, "1000", "1.36");
            OciLayouts.layout(work.resolve("other"), layer, "0", "docker.io/library/other:1");
            nana.startDaemon();
            NanaCli.Run imported =
                    nana.run("image", "import", work.resolve("busybox").toString(), "busybox");
            assertEquals(0, imported.exit(), imported.err());
            String id = imported.out().strip();
            assertTrue(id.startsWith("sha256:"), id);
            assertEquals(0, nana.run("image", "import", work.resolve("other").toString()).exit());
            assertEquals(1, layers(nana).size(), "a layer two images share is unpacked once");
            Path unpacked =
                    nana.stateDir.resolve(".images/layers").resolve(layers(nana).getFirst());
            assertTrue(Files.isExecutable(unpacked.resolve("bin/busybox")));

            String table = nana.run("image", "ls").out();
            assertTrue(
                    table.contains("docker.io/library/busybox") && table.contains("1.36"), table);
            assertTrue(table.contains("docker.io/library/other"), table);

            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                ImageServiceBlockingStub images = ImageServiceGrpc.newBlockingStub(grpc.channel());
                List<Image> all =
                        images.listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
                assertEquals(2, all.size());
                Image busybox = status(images, "busybox:1.36");
                assertEquals(id, busybox.getId());
                assertEquals(List.of("docker.io/library/busybox:1.36"), busybox.getRepoTagsList());
                assertEquals(
                        List.of("docker.io/library/busybox@" + manifest),
                        busybox.getRepoDigestsList());
                assertEquals(1000, busybox.getUid().getValue());
                assertTrue(busybox.getSize() > layer[1].length);
                for (String ref :
                        List.of(
                                id,
                                id.substring(7, 19),
                                "docker.io/library/busybox:1.36",
                                "busybox@" + manifest)) {
                    Image found = status(images, ref);
                    assertEquals(id, found == null ? null : found.getId(), ref);
                }
                assertEquals(null, status(images, "busybox:none"), "an unknown image is no error");
                StatusRuntimeException bad =
                        assertThrows(
                                StatusRuntimeException.class, () -> status(images, "Bad//Ref"));
                assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
                assertTrue(bad.getStatus().getDescription().contains("Bad//Ref"));
                assertTrue(
                        images.imageFsInfo(ImageFsInfoRequest.getDefaultInstance())
                                        .getImageFilesystems(0)
                                        .getUsedBytes()
                                        .getValue()
                                > layer[1].length);
                for (int i = 0; i < 2; i++) { // idempotent
                    images.removeImage(
                            RemoveImageRequest.newBuilder()
                                    .setImage(ImageSpec.newBuilder().setImage("busybox:1.36"))
                                    .build());
                }
                assertEquals(null, status(images, id));
                assertEquals(1, layers(nana).size(), "the other image still has the layer");
            }
            assertEquals(0, nana.run("image", "rm", "other:1").exit());
            assertEquals(List.of(), layers(nana), "no image has the layer any more");
            NanaCli.Run none = nana.run("image", "rm", "other:1");
            assertEquals(125, none.exit());
            assertTrue(none.err().contains("not in nana's store"), none.err());
        } finally {
            StateDir.deleteTree(work);
        }
    }

    @Test
    void aBadOrCorruptLayoutIsRefusedAndLeavesNothing() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-oci-");
        try (NanaCli nana = new NanaCli()) {
            NanaCli.Run missing =
                    nana.run("image", "import", work.resolve("nothing").toString(), "x:1");
            assertEquals(125, missing.exit());
            assertTrue(missing.err().contains("is no OCI image layout"), missing.err());

            Path dir = work.resolve("corrupt");
            byte[][] layer = OciLayouts.busyboxLayer();
            OciLayouts.layout(dir, layer, "0", "1");
            NanaCli.Run noName = nana.run("image", "import", dir.toString());
            assertEquals(125, noName.exit());
            assertTrue(noName.err().contains("give one"), noName.err());

            // a byte changed in the layer: its digest no longer matches
            Path blob =
                    dir.resolve("blobs/sha256").resolve(OciLayouts.sha256(layer[1]).substring(7));
            byte[] bytes = Files.readAllBytes(blob);
            bytes[bytes.length / 2] ^= 1;
            Files.write(blob, bytes);
            NanaCli.Run corrupt = nana.run("image", "import", dir.toString(), "corrupt:1");
            assertEquals(125, corrupt.exit());
            assertTrue(corrupt.err().contains("corrupt"), corrupt.err());
            assertEquals("", nana.run("image", "ls", "-q").out());
            assertEquals(List.of(), layers(nana), "no layer, and no half-unpacked one");
        } finally {
            StateDir.deleteTree(work);
        }
    }

    @Test
    void aDockerSaveArchiveIsImported() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-archive-");
        try (NanaCli nana = new NanaCli()) {
            byte[][] layer = OciLayouts.busyboxLayer();
            OciLayouts.layout(work.resolve("busybox"), layer, "1000", "1.36");
            Path archive = work.resolve("busybox.tar");
            // what docker save writes: manifest.json, the config, the layer tars
            Process skopeo =
                    new ProcessBuilder(
                                    "skopeo",
                                    "copy",
                                    "oci:" + work.resolve("busybox") + ":1.36",
                                    "docker-archive:" + archive + ":busybox:1.36")
                            .redirectErrorStream(true)
                            .start();
            String said =
                    new String(
                            skopeo.getInputStream().readAllBytes(),
                            java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, skopeo.waitFor(), said);

            NanaCli.Run imported = nana.run("image", "import", archive.toString());
            assertEquals(0, imported.exit(), imported.err());
            NanaCli.Run fromLayout =
                    nana.run("image", "import", work.resolve("busybox").toString(), "other:1");
            assertEquals(
                    imported.out(), fromLayout.out(), "the same image id, whichever way it came");
            String table = nana.run("image", "ls").out();
            assertTrue(
                    table.contains("docker.io/library/busybox") && table.contains("1.36"), table);
            NanaCli.Run run =
                    nana.run(
                            "run",
                            "--rm",
                            "--image",
                            "busybox:1.36",
                            "arch",
                            "--",
                            "sh",
                            "-c",
                            "id -u");
            assertEquals("1000\n", run.out(), run.err());

            Files.writeString(work.resolve("garbage.tar"), "not a tar at all");
            NanaCli.Run bad = nana.run("image", "import", work.resolve("garbage.tar").toString());
            assertEquals(125, bad.exit());
            assertTrue(bad.err().contains("garbage.tar"), bad.err());
        } finally {
            StateDir.deleteTree(work);
        }
    }
}
