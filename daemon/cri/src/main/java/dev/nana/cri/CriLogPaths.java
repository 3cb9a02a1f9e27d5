package dev.nana.cri;

import dev.nana.InvalidArgumentException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A container's CRI log file: its log_path beneath its pod's log_directory, and nowhere else. The
 * path is relative, has no "..", and no folder on the way is a symlink (checked as its folders are
 * made); the shim then opens the file in that folder without following a symlink at its name, and
 * opens only a regular file, on every reopen too. A pod with no log directory gets no log file, as
 * with containerd.
 */
final class CriLogPaths {
    private CriLogPaths() {}

    /** The log file's path, or "" for none; refused when it would leave the pod's folder. */
    static String resolve(String logDirectory, String logPath, String container) {
        if (logPath.isEmpty() || logDirectory.isEmpty()) return "";
        Path dir = Path.of(logDirectory);
        if (!dir.isAbsolute() || !dir.normalize().equals(dir)) {
            throw new InvalidArgumentException(
                    "the pod's log directory \""
                            + logDirectory
                            + "\" is not an absolute, plain path");
        }
        Path rel = Path.of(logPath);
        boolean climbs = false;
        for (Path part : rel) climbs |= part.toString().equals("..");
        if (rel.isAbsolute() || climbs || rel.getFileName() == null) {
            throw new InvalidArgumentException(
                    "container "
                            + container
                            + "'s log path \""
                            + logPath
                            + "\" leaves its pod's log directory: give a relative path without"
                            + " \"..\"");
        }
        return dir.resolve(rel).normalize().toString();
    }

    /**
     * Makes the folders between the pod's log directory and the file, refusing a symlink among
     * them; returns the file's path.
     */
    static Path prepare(String logDirectory, String logPath) throws IOException {
        Path dir = Path.of(logDirectory);
        Path file = Path.of(logPath);
        Path at = dir;
        Files.createDirectories(dir);
        for (Path part : dir.relativize(file.getParent())) {
            if (part.toString().isEmpty()) continue;
            at = at.resolve(part);
            if (Files.isSymbolicLink(at)) {
                throw new InvalidArgumentException(
                        "the log path \"" + logPath + "\" goes through the symlink " + at);
            }
            if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(at);
        }
        return file;
    }
}
