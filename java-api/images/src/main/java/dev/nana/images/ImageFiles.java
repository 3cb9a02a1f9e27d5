package dev.nana.images;

import dev.nana.InvalidArgumentException;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads a file of an image's root filesystem (its /etc/passwd, /etc/group) as the container would
 * see it, and never anything else: the path and every symlink on it resolve inside the root
 * (openat2 RESOLVE_IN_ROOT through libnana), only a regular file is read (a FIFO, a device or a
 * folder is refused before anything blocks), and at most {@link #MAX_BYTES}.
 */
public final class ImageFiles {
    /** The most of one such file that is read: a passwd file of 10,000 users is ~600 KiB. */
    public static final int MAX_BYTES = 1 << 20;

    private ImageFiles() {}

    /**
     * The lines of rootfs's path; empty when the image has no such file.
     *
     * @throws InvalidArgumentException when it is no regular file, or too large
     */
    public static Optional<List<String>> lines(Path rootfs, String path) {
        try (Fd fd = LibNana.openInRoot(rootfs, path);
                Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(65536);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int n;
            while ((n = LibNana.read(fd, buf, (int) buf.byteSize())) > 0) {
                if (out.size() + n > MAX_BYTES) {
                    throw new InvalidArgumentException(
                            "the image's "
                                    + path
                                    + " is larger than "
                                    + (MAX_BYTES >> 20)
                                    + " MiB: nana reads no more of it; fix the image");
                }
                out.writeBytes(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            }
            return Optional.of(out.toString(StandardCharsets.UTF_8).lines().toList());
        } catch (OsException.NoEntry e) {
            return Optional.empty();
        } catch (OsException e) {
            if (e.errno() == 22) { // EINVAL: no regular file
                throw new InvalidArgumentException(
                        "the image's " + path + " is not a regular file: fix the image", e);
            }
            throw new InvalidArgumentException(
                    "read the image's " + path + ": " + e.getMessage(), e);
        }
    }
}
