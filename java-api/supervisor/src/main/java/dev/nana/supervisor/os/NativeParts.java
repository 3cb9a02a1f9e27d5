package dev.nana.supervisor.os;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Where nana's two native parts, libnana.so and nana-shim, come from. In order:
 *
 * <ol>
 *   <li>the system properties {@code nana.library} and {@code nana.shim} (files);
 *   <li>{@code <nana.home>/build/native/{lib,bin}}: a built checkout (bin/nana and the Maven build
 *       set {@code nana.home});
 *   <li>the jar dev.nana:nana-native (classifier {@value #PLATFORM}) on the class path, which a
 *       service gets with nana-supervisor: its two files are unpacked once into a folder named by
 *       their hash, under /run/nana-native (or java.io.tmpdir when /run cannot be written), 0700
 *       and owned by this user, and used from there.
 * </ol>
 */
public final class NativeParts {
    /** The one platform nana's native parts are built for. */
    public static final String PLATFORM = "linux-x86_64";

    // not a package (the platform has a dash): found on the class path and the module path alike
    static final String RESOURCES = "dev/nana/native/" + PLATFORM + "/";
    static final String LIBRARY = "libnana.so";
    static final String SHIM = "nana-shim";

    private static final Object LOCK = new Object();
    private static Path unpacked; // the folder the bundled parts went to, once they did

    private NativeParts() {}

    /** The library's candidate files, most explicit first (none need exist). */
    static List<Path> libraryCandidates() {
        return candidates("nana.library", "lib", LIBRARY);
    }

    /** The shim's candidate files, most explicit first (none need exist). */
    public static List<Path> shimCandidates() {
        return candidates("nana.shim", "bin", SHIM);
    }

    private static List<Path> candidates(String property, String homeDir, String file) {
        String explicit = System.getProperty(property);
        if (explicit != null) return List.of(Path.of(explicit)); // named: nothing else is tried
        String home = System.getProperty("nana.home");
        if (home != null) return List.of(Path.of(home, "build", "native", homeDir, file));
        Path bundled = bundled();
        return bundled == null ? List.of() : List.of(bundled.resolve(file));
    }

    /**
     * The folder the bundled parts are unpacked into (unpacking them the first time), or null when
     * nana-native is not on the class path.
     */
    static Path bundled() {
        synchronized (LOCK) {
            if (unpacked != null) return unpacked;
            byte[] lib = read(LIBRARY);
            byte[] shim = read(SHIM);
            if (lib == null || shim == null) return null;
            Path dir = cacheRoot().resolve(hash(lib, shim));
            try {
                secureDir(dir.getParent());
                secureDir(dir);
                place(dir.resolve(LIBRARY), lib);
                place(dir.resolve(SHIM), shim);
            } catch (IOException e) {
                throw new NativeUnavailableException(
                        "cannot unpack nana's native parts into "
                                + dir
                                + ": "
                                + e.getMessage()
                                + "; give -Dnana.library and -Dnana.shim instead");
            }
            unpacked = dir;
            return dir;
        }
    }

    private static byte[] read(String name) {
        try (InputStream in =
                NativeParts.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new NativeUnavailableException(
                    "cannot read " + name + " from the nana-native jar: " + e.getMessage());
        }
    }

    private static Path cacheRoot() {
        Path run = Path.of("/run");
        if (Files.isWritable(run)) return run.resolve("nana-native");
        return Path.of(System.getProperty("java.io.tmpdir"))
                .resolve("nana-native-" + System.getProperty("user.name"));
    }

    private static String hash(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) d.update(p);
            return HexFormat.of().formatHex(d.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * Makes dir (0700) or checks that the one there is a real folder this user owns that no one
     * else can write: what runs from it runs as root.
     */
    private static void secureDir(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(
                        dir,
                        PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // another process made it meanwhile: checked below like any other
            }
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS))
            throw new IOException(dir + " is not a directory");
        int uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int me = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (uid != me || (mode & 0022) != 0)
            throw new IOException(
                    dir + " is owned by uid " + uid + " or writable by others: remove it");
    }

    /** Writes bytes to file through a temporary name and a rename, unless it holds them already. */
    private static void place(Path file, byte[] bytes) throws IOException {
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                && Files.size(file) == bytes.length) return;
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r-xr-xr-x"));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
