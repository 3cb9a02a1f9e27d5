package dev.nana.images;

import dev.nana.InvalidArgumentException;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import dev.nana.supervisor.state.StateDir;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/**
 * Unpacks one image layer (a tar: plain, gzip or zstd) into a folder of its own, in the form
 * overlayfs stacks: an OCI whiteout {@code .wh.NAME} becomes a character device 0:0 named NAME, and
 * {@code .wh..wh..opq} makes its folder opaque ({@code trusted.overlay.opaque=y}). Ownership, modes
 * (setuid included), times, devices, FIFOs, hard links and extended attributes (PAX {@code
 * SCHILY.xattr.*}, e.g. file capabilities) are kept.
 *
 * <p>A layer is untrusted input: an entry whose path leaves the folder ({@code ..}, or through a
 * symlink the layer made), or a hard link to outside it, is refused, naming the entry, and nothing
 * is written outside the folder.
 */
public final class LayerUnpacker {
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final String XATTR = "SCHILY.xattr.";
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    /** What one unpack did: the uncompressed tar's digest (the layer's diff id) and its size. */
    public record Unpacked(String diffId, long entries, long bytes) {}

    private LayerUnpacker() {}

    /**
     * Unpacks layer into dest (a new or empty folder), reading it to its end and closing it, and
     * returns the uncompressed stream's digest, which must equal the image config's diff id for the
     * layer.
     */
    public static Unpacked unpack(InputStream layer, Path dest) throws IOException {
        return unpack(layer, dest, Long.MAX_VALUE, "the layer");
    }

    /**
     * The same, refusing a layer whose tar stream (headers and contents, uncompressed) is more than
     * maxUnpacked bytes: a small gzip of zeros must not fill the disk (or, on a tmpfs, the memory).
     * What was unpacked by then is the caller's to remove.
     */
    public static Unpacked unpack(InputStream layer, Path dest, long maxUnpacked, String what)
            throws IOException {
        MessageDigest sha256 = Sha256.newDigest();
        BufferedInputStream in = new BufferedInputStream(layer, 64 * 1024);
        DigestInputStream tar =
                new DigestInputStream(
                        ImageLimits.bounded(decompressed(in), maxUnpacked, what + " unpacked"),
                        sha256);
        Files.createDirectories(dest);
        long entries = 0;
        long bytes = 0;
        List<Runnable> folderTimes = new ArrayList<>(); // set last: writing inside changes them
        try (TarArchiveInputStream entriesIn = new TarArchiveInputStream(tar)) {
            TarArchiveEntry e;
            while ((e = entriesIn.getNextEntry()) != null) {
                entries++;
                bytes += write(entriesIn, e, dest, folderTimes);
            }
            // the padding after the last entry, then whatever follows the compressed stream:
            // a caller that digests the raw stream sees all of it
            tar.transferTo(OutputStream.nullOutputStream());
            in.transferTo(OutputStream.nullOutputStream());
        }
        folderTimes.reversed().forEach(Runnable::run);
        return new Unpacked("sha256:" + HexFormat.of().formatHex(sha256.digest()), entries, bytes);
    }

    private static InputStream decompressed(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b)
            return GzipCompressorInputStream.builder()
                    .setInputStream(in)
                    .setDecompressConcatenated(true)
                    .get();
        if (magic.length == 4
                && (magic[0] & 0xff) == 0x28
                && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            return new ZstdCompressorInputStream(in);
        }
        return in;
    }

    /** The entry's path inside the layer, refused when it would leave it. */
    static Path inside(Path dest, String name, String entry) {
        String n = name;
        while (n.startsWith("./")) n = n.substring(2);
        while (n.startsWith("/")) n = n.substring(1);
        if (n.endsWith("/")) n = n.substring(0, n.length() - 1);
        for (Path part : Path.of(n)) {
            if (part.toString().equals("..")) {
                throw new InvalidArgumentException(
                        "layer entry \""
                                + entry
                                + "\" leaves the layer (..): the image is malformed or hostile");
            }
        }
        return n.isEmpty() || n.equals(".") ? dest : dest.resolve(n).normalize();
    }

    /**
     * Checks that no folder above path is a symlink the layer made, and creates the missing ones
     * when create is set.
     */
    private static void parents(Path dest, Path path, String entry, boolean create)
            throws IOException {
        Path at = dest;
        for (Path part : dest.relativize(path.getParent() == null ? dest : path.getParent())) {
            if (part.toString().isEmpty()) continue;
            at = at.resolve(part);
            if (Files.isSymbolicLink(at)) {
                throw new InvalidArgumentException(
                        "layer entry \""
                                + entry
                                + "\" goes through the symlink "
                                + dest.relativize(at)
                                + ": the image is malformed or hostile");
            }
            if (create && !Files.exists(at, NOFOLLOW)) Files.createDirectory(at);
        }
    }

    private static long write(
            TarArchiveInputStream in, TarArchiveEntry e, Path dest, List<Runnable> folderTimes)
            throws IOException {
        Path path = inside(dest, e.getName(), e.getName());
        if (path.equals(dest)) {
            if (e.isDirectory()) attributes(path, e, folderTimes);
            return 0;
        }
        parents(dest, path, e.getName(), true);
        String base = path.getFileName().toString();
        if (base.equals(OPAQUE)) {
            LibNana.lsetxattr(path.getParent(), "trusted.overlay.opaque", new byte[] {'y'});
            return 0;
        }
        if (base.startsWith(WHITEOUT)) {
            String name = base.substring(WHITEOUT.length());
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/")) {
                // ".wh.." would whiteout the layer's parent: the store itself
                throw new InvalidArgumentException(
                        "layer entry \""
                                + e.getName()
                                + "\" is the whiteout of \""
                                + name
                                + "\", which is no name in its folder: the image is malformed or"
                                + " hostile");
            }
            Path hidden = path.resolveSibling(name);
            removeExisting(hidden);
            LibNana.mknod(hidden, LibNana.S_IFCHR, 0, 0);
            return 0;
        }
        if (e.isDirectory()) {
            if (Files.exists(path, NOFOLLOW) && !Files.isDirectory(path, NOFOLLOW))
                removeExisting(path);
            if (!Files.exists(path, NOFOLLOW)) Files.createDirectory(path);
            attributes(path, e, folderTimes);
            return 0;
        }
        removeExisting(path);
        long size = 0;
        if (e.isSymbolicLink()) {
            Files.createSymbolicLink(path, Path.of(e.getLinkName()));
        } else if (e.isLink()) {
            Path target = inside(dest, e.getLinkName(), e.getName());
            parents(dest, target, e.getName(), false); // not through a symlink either
            if (target.equals(dest) || !Files.isRegularFile(target, NOFOLLOW)) {
                throw new InvalidArgumentException(
                        "layer entry \""
                                + e.getName()
                                + "\" is a hard link to \""
                                + e.getLinkName()
                                + "\", which is no file of this layer: the image is malformed or hostile");
            }
            Files.createLink(path, target);
            return 0; // the link shares the target's attributes
        } else if (e.isCharacterDevice() || e.isBlockDevice()) {
            int type = e.isCharacterDevice() ? LibNana.S_IFCHR : LibNana.S_IFBLK;
            LibNana.mknod(path, type | (e.getMode() & 07777), e.getDevMajor(), e.getDevMinor());
        } else if (e.isFIFO()) {
            LibNana.mkfifo(path, e.getMode() & 07777);
        } else if (e.isFile()) {
            try (OutputStream out =
                    Files.newOutputStream(
                            path,
                            StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE,
                            LinkOption.NOFOLLOW_LINKS)) {
                size = in.transferTo(out);
            }
        } else {
            return 0; // PAX and GNU bookkeeping entries carry nothing to write
        }
        attributes(path, e, null);
        return size;
    }

    /** Removes what an entry replaces: a file, a link, or a whole folder of a lower entry. */
    private static void removeExisting(Path path) throws IOException {
        if (!Files.exists(path, NOFOLLOW)) return;
        if (Files.isDirectory(path, NOFOLLOW)) StateDir.deleteTree(path);
        else Files.delete(path);
    }

    /**
     * Owner, then mode (chown clears setuid), xattrs, then times (folders' after their contents).
     */
    private static void attributes(Path path, TarArchiveEntry e, List<Runnable> folderTimes)
            throws IOException {
        Files.setAttribute(path, "unix:uid", (int) e.getLongUserId(), NOFOLLOW);
        Files.setAttribute(path, "unix:gid", (int) e.getLongGroupId(), NOFOLLOW);
        if (!e.isSymbolicLink()) Files.setAttribute(path, "unix:mode", e.getMode() & 07777);
        for (Map.Entry<String, String> x : e.getExtraPaxHeaders().entrySet()) {
            if (!x.getKey().startsWith(XATTR)) continue;
            try {
                // commons-compress decodes PAX values as UTF-8: a text value comes back exactly,
                // a binary one that is no UTF-8 does not
                LibNana.lsetxattr(
                        path,
                        x.getKey().substring(XATTR.length()),
                        x.getValue().getBytes(StandardCharsets.UTF_8));
            } catch (OsException ignored) {
                // a filesystem without that namespace: the file is still right
            }
        }
        // setting times opens the file: a FIFO would block, a device is not ours to open
        if (e.isFIFO() || e.isCharacterDevice() || e.isBlockDevice()) return;
        FileTime mtime = FileTime.from(e.getLastModifiedTime().toInstant());
        boolean folder = e.isDirectory();
        Runnable times =
                () -> {
                    try {
                        // set last, a folder's times may find another thing at its name by then
                        // (a later entry of the layer): only what it was is opened, never a FIFO
                        if (folder ? !Files.isDirectory(path, NOFOLLOW) : !isPlain(path)) return;
                        Files.getFileAttributeView(path, BasicFileAttributeView.class, NOFOLLOW)
                                .setTimes(mtime, null, null);
                    } catch (IOException ignored) {
                        // times are cosmetic
                    }
                };
        if (folderTimes != null) folderTimes.add(times);
        else times.run();
    }

    /** A regular file or a symlink: what setting times may open without blocking. */
    private static boolean isPlain(Path path) {
        return Files.isRegularFile(path, NOFOLLOW) || Files.isSymbolicLink(path);
    }
}
