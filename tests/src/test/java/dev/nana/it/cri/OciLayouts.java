package dev.nana.it.cri;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

/** Small OCI image layouts made from Debian's static busybox, for the CRI's tests (no network). */
public final class OciLayouts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OciLayouts() {}

    static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** A busybox layer (tar, then gzip): the static binary, sh, an /etc/passwd and /etc/group. */
    static byte[][] busyboxLayer() throws Exception {
        return busyboxLayer(
                out -> {
                    text(
                            out,
                            "etc/passwd",
                            "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n");
                    text(out, "etc/group", "root:x:0:\napp:x:1000:\nwheel:x:10:root,app\n");
                });
    }

    /** What a test puts in a layer's /etc. */
    interface EtcWriter {
        void write(TarArchiveOutputStream out) throws Exception;
    }

    /** A busybox layer whose /etc holds what etc writes. */
    static byte[][] busyboxLayer(EtcWriter etc) throws Exception {
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
            etc.write(out);
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream out = new GzipCompressorOutputStream(gz)) {
            out.write(tar.toByteArray());
        }
        return new byte[][] {tar.toByteArray(), gz.toByteArray()};
    }

    static void text(TarArchiveOutputStream out, String name, String text) throws Exception {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0100644);
        e.setSize(bytes.length);
        out.putArchiveEntry(e);
        out.write(bytes);
        out.closeArchiveEntry();
    }

    /**
     * Writes an OCI image layout of one image with that layer and user; returns the manifest
     * digest.
     */
    static String layout(Path dir, byte[][] layer, String user, String refName) throws Exception {
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
        byte[] manifestBytes = manifest(configDigest, configBytes.length, layerDigest, layer[1]);
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

    /**
     * Writes an OCI image layout whose refName is an index of two images of that layer: linux/arm64
     * (user 0) and linux/amd64 (user 1000). Returns the index's digest and the amd64 config's
     * digest (the image id nana should pick).
     */
    static String[] multiPlatform(Path dir, byte[][] layer, String refName) throws Exception {
        Path blobs = dir.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        String layerDigest = blob(blobs, layer[1]);
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.index.v1+json");
        String amd64Config = null;
        for (String arch : List.of("arm64", "amd64")) {
            ObjectNode config = JSON.createObjectNode();
            config.put("architecture", arch).put("os", "linux");
            config.putObject("config")
                    .put("User", arch.equals("amd64") ? "1000" : "0")
                    .putArray("Cmd")
                    .add("sh");
            ((ObjectNode) config.get("config")).putArray("Env").add("PLATFORM=" + arch);
            config.putObject("rootfs")
                    .put("type", "layers")
                    .putArray("diff_ids")
                    .add(sha256(layer[0]));
            byte[] configBytes = JSON.writeValueAsBytes(config);
            String configDigest = blob(blobs, configBytes);
            if (arch.equals("amd64")) amd64Config = configDigest;
            byte[] manifest = manifest(configDigest, configBytes.length, layerDigest, layer[1]);
            ObjectNode d =
                    index.withArray("manifests")
                            .addObject()
                            .put("mediaType", "application/vnd.oci.image.manifest.v1+json")
                            .put("digest", blob(blobs, manifest))
                            .put("size", manifest.length);
            d.putObject("platform").put("architecture", arch).put("os", "linux");
        }
        byte[] indexBytes = JSON.writeValueAsBytes(index);
        String indexDigest = blob(blobs, indexBytes);
        ObjectNode top = JSON.createObjectNode();
        top.put("schemaVersion", 2);
        top.putArray("manifests")
                .addObject()
                .put("mediaType", "application/vnd.oci.image.index.v1+json")
                .put("digest", indexDigest)
                .put("size", indexBytes.length)
                .putObject("annotations")
                .put("org.opencontainers.image.ref.name", refName);
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(top));
        return new String[] {indexDigest, amd64Config};
    }

    /** An OCI image manifest of one config and one gzip layer. */
    static byte[] manifest(String configDigest, int configSize, String layerDigest, byte[] layer)
            throws Exception {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.putObject("config")
                .put("mediaType", "application/vnd.oci.image.config.v1+json")
                .put("digest", configDigest)
                .put("size", configSize);
        manifest.putArray("layers")
                .addObject()
                .put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip")
                .put("digest", layerDigest)
                .put("size", layer.length);
        return JSON.writeValueAsBytes(manifest);
    }

    /**
     * Writes the busybox image (with that user) as a layout in work/busybox and imports it into
     * nana's store as docker.io/library/busybox:1.36.
     */
    public static void importBusybox(dev.nana.it.NanaCli nana, Path work, String user)
            throws Exception {
        layout(work.resolve("busybox"), busyboxLayer(), user, "1.36");
        dev.nana.it.NanaCli.Run imported =
                nana.run("image", "import", work.resolve("busybox").toString(), "busybox");
        org.junit.jupiter.api.Assertions.assertEquals(0, imported.exit(), imported.err());
    }

    static String blob(Path blobs, byte[] bytes) throws Exception {
        String digest = sha256(bytes);
        Files.write(blobs.resolve(digest.substring(7)), bytes);
        return digest;
    }
}
