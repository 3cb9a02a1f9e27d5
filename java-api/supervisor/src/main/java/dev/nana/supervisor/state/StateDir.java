package dev.nana.supervisor.state;

import dev.nana.AlreadyExistsException;
import dev.nana.ContainerId;
import dev.nana.UnavailableException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The state directory (default /run/nana, a tmpfs): one folder per container, named by its id. Ids
 * are validated before they become a path, so no request reaches outside it.
 */
public record StateDir(Path root) {
    public static final Path DEFAULT = Path.of("/run/nana");

    /**
     * The folder of clients' stdio FIFOs (nana run, exec, attach), one subfolder a command: beside
     * the containers, on the state directory's tmpfs (a disk's metadata writes cost a run --rm
     * milliseconds). Not a container: restore skips it.
     */
    public static final String STDIO = ".stdio";

    /**
     * The folder of the CRI's own records (pod sandboxes): beside the containers, whose pause
     * processes and workloads are nana containers like any other. Not a container: restore skips
     * it.
     */
    public static final String CRI = ".cri";

    /**
     * Whether a folder of the state directory may be a container's: no container id starts with a
     * dot.
     */
    public static boolean isContainerFolderName(String name) {
        return !name.startsWith(".");
    }

    public StateDir {
        root = root.toAbsolutePath().normalize();
    }

    /** Creates the root (0700) if needed. */
    public StateDir ensure() {
        try {
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
            return this;
        } catch (IOException e) {
            throw new UnavailableException(
                    "state directory \""
                            + root
                            + "\" cannot be created: "
                            + e.getMessage()
                            + "; give a writable state directory",
                    e);
        }
    }

    /** The folder of a container (which may not exist). */
    public Path container(String id) {
        return root.resolve(ContainerId.require(id, "container id"));
    }

    /** Claims a container folder atomically: exactly one caller succeeds for an id. */
    public Path claim(String id) {
        Path dir = container(id);
        try {
            Files.createDirectory(
                    dir,
                    PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
            return dir;
        } catch (FileAlreadyExistsException e) {
            throw new AlreadyExistsException(
                    "container \""
                            + id
                            + "\" already exists: delete it first, or choose another id");
        } catch (IOException e) {
            throw new UnavailableException("create \"" + dir + "\": " + e.getMessage(), e);
        }
    }

    /**
     * Removes a folder and everything below it, never following symlinks out of it. What vanishes
     * meanwhile (another remover at work on part of it) is simply gone already.
     */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        Files.walkFileTree(
                dir,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                            throws IOException {
                        Files.deleteIfExists(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException exc)
                            throws IOException {
                        if (exc instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
                        throw exc;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException exc)
                            throws IOException {
                        if (exc != null && !(exc instanceof NoSuchFileException)) throw exc;
                        Files.deleteIfExists(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
    }
}
