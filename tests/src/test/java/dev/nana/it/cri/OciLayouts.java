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
final class OciLayouts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OciLayouts() {}

    static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** A busybox layer (tar, then gzip): the static binary, sh, and an /etc/passwd. */
    static byte[][] busyboxLayer() throws Exception {
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

    static String blob(Path blobs, byte[] bytes) throws Exception {
        String digest = sha256(bytes);
        Files.write(blobs.resolve(digest.substring(7)), bytes);
        return digest;
    }
}
