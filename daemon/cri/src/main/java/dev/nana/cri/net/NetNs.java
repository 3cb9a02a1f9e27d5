package dev.nana.cri.net;

import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A pod's network namespace kept as a file: {@code /proc/<pause>/ns/net} bind-mounted on a file in
 * the sandbox's folder. The file is what CNI is given, and it keeps the namespace alive after the
 * pause process is gone, so that CNI DEL can still find the interfaces to remove, even after a
 * crash of the daemon.
 */
public final class NetNs {
    private NetNs() {}

    /** Pins the network namespace of process pid on file. */
    public static void pin(int pid, Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file);
        try {
            LibNana.mount("/proc/" + pid + "/ns/net", file, "none", LibNana.MS_BIND, null);
        } catch (OsException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** Whether file is a pinned namespace (nsfs), not the empty file it is mounted on. */
    public static boolean pinned(Path file) {
        try {
            // an nsfs inode lives on the nsfs device, never on the state directory's
            return Files.exists(file)
                    && !Files.getAttribute(file, "unix:dev")
                            .equals(Files.getAttribute(file.getParent(), "unix:dev"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Lets the namespace go (when nothing else holds it) and removes the file; idempotent. */
    public static void release(Path file) throws IOException {
        if (pinned(file)) LibNana.umount(file, LibNana.MNT_DETACH);
        Files.deleteIfExists(file);
    }
}
