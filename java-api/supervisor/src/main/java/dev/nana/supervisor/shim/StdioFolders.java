package dev.nana.supervisor.shim;

import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The private folders a client's FIFOs are made in, under the state directory's .stdio (0700): one
 * for each attached reader or launched exec, removed once the shim holds its FIFOs or the process
 * is gone.
 */
final class StdioFolders {
    private StdioFolders() {}

    /** A new folder in parent (made 0700 if it is not there), its name starting with prefix. */
    static Path make(Path parent, String prefix) throws IOException {
        Files.createDirectories(parent);
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
        return Files.createTempDirectory(parent, prefix);
    }

    /** Removes a folder; a leftover one of a few FIFOs under .stdio is harmless. */
    static void removeQuietly(Path folder) {
        try {
            StateDir.deleteTree(folder);
        } catch (IOException e) {
            // harmless: see above
        }
    }
}
