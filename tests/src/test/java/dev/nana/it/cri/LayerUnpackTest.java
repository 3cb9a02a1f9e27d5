package dev.nana.it.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.InvalidArgumentException;
import dev.nana.images.LayerUnpacker;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.state.StateDir;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Image layers unpacked for overlayfs, then stacked by a real overlay mount: whiteouts hide, opaque
 * folders hide, and a hostile layer writes nothing outside its folder.
 */
class LayerUnpackTest {
    /** A tar built entry by entry. */
    private static final class Tar {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final TarArchiveOutputStream out;

        Tar(boolean gzip) throws IOException {
            out = new TarArchiveOutputStream(gzip ? new GzipCompressorOutputStream(bytes) : bytes);
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        }

        Tar dir(String name, int mode) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name + "/");
            e.setMode(040000 | mode);
            return put(e, null);
        }

        Tar file(String name, int mode, int uid, String content) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setMode(0100000 | mode);
            e.setUserId(uid);
            e.setGroupId(uid);
            return put(e, content.getBytes(StandardCharsets.UTF_8));
        }

        Tar link(String name, String target, byte type) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            e.setLinkName(target);
            return put(e, null);
        }

        Tar device(String name, int major, int minor) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_CHR);
            e.setMode(0666);
            e.setDevMajor(major);
            e.setDevMinor(minor);
            return put(e, null);
        }

        Tar fifo(String name) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_FIFO);
            e.setMode(0600);
            return put(e, null);
        }

        Tar whiteout(String name) throws IOException {
            return file(name, 0, 0, "");
        }

        private Tar put(TarArchiveEntry e, byte[] content) throws IOException {
            if (content != null) e.setSize(content.length);
            out.putArchiveEntry(e);
            if (content != null) out.write(content);
            out.closeArchiveEntry();
            return this;
        }

        byte[] done() throws IOException {
            out.close();
            return bytes.toByteArray();
        }
    }

    @Test
    void layersStackUnderOverlayWithTheirWhiteoutsOwnersAndModes() throws Exception {
        Path root = Files.createTempDirectory(Path.of("/run"), "nana-layers-");
        Path merged = root.resolve("merged");
        boolean mounted = false;
        try {
            Tar plain = new Tar(false);
            byte[] lower =
                    plain.dir("etc", 0755)
                            .file("etc/a", 0640, 1000, "a from the lower layer")
                            .file("etc/b", 0644, 0, "b, hidden above")
                            .link("etc/link", "a", TarConstants.LF_SYMLINK)
                            .link("etc/hard", "etc/a", TarConstants.LF_LINK)
                            .file("bin/su", 04755, 0, "setuid")
                            .dir("keep", 0755)
                            .file("keep/x", 0644, 0, "x, behind an opaque folder above")
                            .device("dev/null", 1, 3)
                            .fifo("run/fifo")
                            .done();
            Path l1 = root.resolve("l1");
            LayerUnpacker.Unpacked u1 = LayerUnpacker.unpack(new ByteArrayInputStream(lower), l1);
            assertEquals(
                    OciLayouts.sha256(lower),
                    u1.diffId(),
                    "a plain tar's diff id is its own digest");
            assertEquals(1000, Files.getAttribute(l1.resolve("etc/a"), "unix:uid"));
            assertEquals(0640, (int) Files.getAttribute(l1.resolve("etc/a"), "unix:mode") & 07777);
            assertEquals(
                    04755, (int) Files.getAttribute(l1.resolve("bin/su"), "unix:mode") & 07777);
            assertEquals(2, Files.getAttribute(l1.resolve("etc/a"), "unix:nlink"));
            assertEquals(Path.of("a"), Files.readSymbolicLink(l1.resolve("etc/link")));
            assertEquals(
                    (1L << 8) | 3,
                    ((Number) Files.getAttribute(l1.resolve("dev/null"), "unix:rdev")).longValue());

            Tar gz = new Tar(true);
            byte[] upper =
                    gz.whiteout("etc/.wh.b")
                            .dir("keep", 0755)
                            .whiteout("keep/.wh..wh..opq")
                            .file("keep/y", 0644, 0, "y above")
                            .done();
            Path l2 = root.resolve("l2");
            LayerUnpacker.Unpacked u2 = LayerUnpacker.unpack(new ByteArrayInputStream(upper), l2);
            assertTrue(u2.diffId().startsWith("sha256:"));
            assertEquals(
                    LibNana.S_IFCHR,
                    (int) Files.getAttribute(l2.resolve("etc/b"), "unix:mode") & 0170000,
                    "a whiteout is a character device 0:0");

            // overlayfs reads them as the image means them
            Files.createDirectories(merged);
            LibNana.mount(
                    "overlay", merged, "overlay", LibNana.MS_RDONLY, "lowerdir=" + l2 + ":" + l1);
            mounted = true;
            assertEquals("a from the lower layer", Files.readString(merged.resolve("etc/link")));
            assertFalse(Files.exists(merged.resolve("etc/b"), LinkOption.NOFOLLOW_LINKS));
            assertFalse(Files.exists(merged.resolve("keep/x")), "an opaque folder hides below");
            assertEquals("y above", Files.readString(merged.resolve("keep/y")));
        } finally {
            if (mounted) LibNana.umount(merged, LibNana.MNT_DETACH);
            StateDir.deleteTree(root);
        }
    }

    @Test
    void aHostileLayerIsRefusedNamingTheEntryAndWritesNothingOutside() throws Exception {
        Path root = Files.createTempDirectory(Path.of("/run"), "nana-layers-");
        try {
            Path outside = root.resolve("outside");
            Files.createDirectories(outside);
            List<byte[]> hostile =
                    List.of(
                            new Tar(false).file("../outside/escaped", 0644, 0, "x").done(),
                            new Tar(false)
                                    .link(
                                            "evil",
                                            root.resolve("outside").toString(),
                                            TarConstants.LF_SYMLINK)
                                    .file("evil/escaped", 0644, 0, "x")
                                    .done(),
                            new Tar(false)
                                    .link("hard", "../outside/target", TarConstants.LF_LINK)
                                    .done(),
                            new Tar(false).link("hard", "/etc/passwd", TarConstants.LF_LINK).done(),
                            // the whiteouts of "..", and of ".": once they removed the store
                            new Tar(false).whiteout(".wh...").done(),
                            new Tar(false).dir("a", 0755).whiteout("a/.wh..").done());
            List<String> names =
                    List.of(
                            "../outside/escaped",
                            "evil/escaped",
                            "hard",
                            "hard",
                            ".wh...",
                            "a/.wh..");
            Files.writeString(outside.resolve("target"), "t");
            for (int i = 0; i < hostile.size(); i++) {
                Path layer = root.resolve("layer" + i);
                byte[] tar = hostile.get(i);
                InvalidArgumentException e =
                        assertThrows(
                                InvalidArgumentException.class,
                                () -> LayerUnpacker.unpack(new ByteArrayInputStream(tar), layer));
                assertTrue(e.getMessage().contains("\"" + names.get(i) + "\""), e.getMessage());
                try (var left = Files.list(outside)) {
                    assertEquals(List.of(outside.resolve("target")), left.toList());
                }
                assertTrue(Files.isDirectory(root), "the folder of the layers is there");
            }
            assertEquals(1, Files.getAttribute(outside.resolve("target"), "unix:nlink"));
        } finally {
            StateDir.deleteTree(root);
        }
    }

    @Test
    void aLayerThatUnpacksPastItsCapIsRefused() throws Exception {
        Path root = Files.createTempDirectory(Path.of("/run"), "nana-bomb-");
        try {
            // 64 MiB of zeros in one file: a gzip of ~64 KiB
            Tar bomb = new Tar(true);
            TarArchiveEntry e = new TarArchiveEntry("zeros");
            e.setSize(64L << 20);
            bomb.out.putArchiveEntry(e);
            byte[] mib = new byte[1 << 20];
            for (int i = 0; i < 64; i++) bomb.out.write(mib);
            bomb.out.closeArchiveEntry();
            byte[] gz = bomb.done();
            assertTrue(gz.length < 1 << 20, "a small layer: " + gz.length);
            InvalidArgumentException refused =
                    assertThrows(
                            InvalidArgumentException.class,
                            () ->
                                    LayerUnpacker.unpack(
                                            new ByteArrayInputStream(gz),
                                            root.resolve("layer"),
                                            8 << 20,
                                            "layer sha256:bomb"));
            assertTrue(refused.getMessage().contains("layer sha256:bomb"), refused.getMessage());
            assertTrue(Files.size(root.resolve("layer/zeros")) <= 8 << 20, "it stopped at its cap");
        } finally {
            StateDir.deleteTree(root);
        }
    }

    @Test
    void aZstdLayerUnpacksToItsTarsDiffId() throws Exception {
        Path root = Files.createTempDirectory(Path.of("/run"), "nana-zstd-");
        try {
            byte[] tar =
                    new Tar(false)
                            .dir("etc", 0755)
                            .file("etc/hello", 0644, 0, "from a zstd layer")
                            .done();
            java.io.ByteArrayOutputStream z = new java.io.ByteArrayOutputStream();
            try (var out =
                    new org.apache.commons.compress.compressors.zstandard
                            .ZstdCompressorOutputStream(z)) {
                out.write(tar);
            }
            Path dest = root.resolve("layer");
            LayerUnpacker.Unpacked u =
                    LayerUnpacker.unpack(new ByteArrayInputStream(z.toByteArray()), dest);
            assertEquals(OciLayouts.sha256(tar), u.diffId(), "the diff id is the plain tar's");
            assertEquals("from a zstd layer", Files.readString(dest.resolve("etc/hello")));
        } finally {
            StateDir.deleteTree(root);
        }
    }
}
