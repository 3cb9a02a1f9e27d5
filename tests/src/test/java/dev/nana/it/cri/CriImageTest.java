package dev.nana.it.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nana.cri.v1.Image;
import dev.nana.cri.v1.ImageFsInfoRequest;
import dev.nana.cri.v1.ImageServiceGrpc;
import dev.nana.cri.v1.ImageServiceGrpc.ImageServiceBlockingStub;
import dev.nana.cri.v1.ImageSpec;
import dev.nana.cri.v1.ImageStatusRequest;
import dev.nana.cri.v1.ListImagesRequest;
import dev.nana.cri.v1.PullImageRequest;
import dev.nana.cri.v1.RemoveImageRequest;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import dev.nana.state.StateDir;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Images imported from OCI layouts into nana's store, seen through the CLI and the CRI's
 * ImageService: names, digests, ids, shared layers unpacked once, removal, and bad input.
 */
class CriImageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** A busybox layer (tar, then gzip): the static binary, sh, and an /etc/passwd. */
    private static byte[][] busyboxLayer() throws Exception {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
            for (String dir : List.of("bin/", "etc/")) {
                TarArchiveEntry d = new TarArchiveEntry(dir);
                d.setMode(040755);
                out.putArchiveEntry(d);
                out.closeArchiveEntry();
            }
            TarArchiveEntry bin = new TarArchiveEntry("bin/busybox");
            bin.setMode(0100755);
            bin.setSize(busybox.length);
            out.putArchiveEntry(bin);
            out.write(busybox);
            out.closeArchiveEntry();
            TarArchiveEntry sh = new TarArchiveEntry("bin/sh", TarConstants.LF_SYMLINK);
            sh.setLinkName("busybox");
            out.putArchiveEntry(sh);
            out.closeArchiveEntry();
            byte[] passwd =
                    "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n"
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            TarArchiveEntry p = new TarArchiveEntry("etc/passwd");
            p.setMode(0100644);
            p.setSize(passwd.length);
            out.putArchiveEntry(p);
            out.write(passwd);
            out.closeArchiveEntry();
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream out = new GzipCompressorOutputStream(gz)) {
            out.write(tar.toByteArray());
        }
        return new byte[][] {tar.toByteArray(), gz.toByteArray()};
    }

    /**
     * Writes an OCI image layout of one image with that layer and user; returns the manifest
     * digest.
     */
    private static String layout(Path dir, byte[][] layer, String user, String refName)
            throws Exception {
        Path blobs = dir.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        String layerDigest = blob(blobs, layer[1]);
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", "amd64").put("os", "linux");
        config.putObject("config").put("User", user).putArray("Cmd").add("sh");
        config.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(sha256(layer[0]));
        byte[] configBytes = JSON.writeValueAsBytes(config);
        String configDigest = blob(blobs, configBytes);
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.putObject("config")
                .put("mediaType", "application/vnd.oci.image.config.v1+json")
                .put("digest", configDigest)
                .put("size", configBytes.length);
        manifest.putArray("layers")
                .addObject()
                .put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip")
                .put("digest", layerDigest)
                .put("size", layer[1].length);
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
        String manifestDigest = blob(blobs, manifestBytes);
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        ObjectNode d =
                index.putArray("manifests")
                        .addObject()
                        .put("mediaType", "application/vnd.oci.image.manifest.v1+json")
                        .put("digest", manifestDigest)
                        .put("size", manifestBytes.length);
        d.putObject("annotations").put("org.opencontainers.image.ref.name", refName);
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
        return manifestDigest;
    }

    private static String blob(Path blobs, byte[] bytes) throws Exception {
        String digest = sha256(bytes);
        Files.write(blobs.resolve(digest.substring(7)), bytes);
        return digest;
    }

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
            byte[][] layer = busyboxLayer();
            String manifest = layout(work.resolve("busybox"), layer, "1000", "1.36");
            layout(work.resolve("other"), layer, "0", "docker.io/library/other:1");
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
                StatusRuntimeException pull =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        images.pullImage(
                                                PullImageRequest.newBuilder()
                                                        .setImage(
                                                                ImageSpec.newBuilder()
                                                                        .setImage("busybox:1.37"))
                                                        .build()));
                assertEquals(Status.Code.UNIMPLEMENTED, pull.getStatus().getCode());
                assertTrue(pull.getStatus().getDescription().contains("nana image import"));

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
            byte[][] layer = busyboxLayer();
            layout(dir, layer, "0", "1");
            NanaCli.Run noName = nana.run("image", "import", dir.toString());
            assertEquals(125, noName.exit());
            assertTrue(noName.err().contains("give one"), noName.err());

            // a byte changed in the layer: its digest no longer matches
            Path blob = dir.resolve("blobs/sha256").resolve(sha256(layer[1]).substring(7));
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
}
