package dev.nana.cri;

import dev.nana.Supervisor;
import dev.nana.cri.net.Cni;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CRI's records on disk, read the one way: a record that cannot be read is evicted (its nana
 * container killed and deleted, its network undone, its folder set aside: {@link RecordFolder}).
 * The daemon reads them at its start, before it serves, so that nothing of an unreadable pod runs
 * on until a CRI client happens to come.
 */
public final class CriRecords {
    private CriRecords() {}

    static Sandboxes sandboxes(Supervisor supervisor, Path criRoot, Cni cni) throws IOException {
        return new Sandboxes(
                criRoot.resolve("sandboxes"),
                (id, dir) -> {
                    SandboxCalls.deleteIfCreated(supervisor, id);
                    PodNetworks.detachUnread(cni, id, dir);
                });
    }

    static PodContainers containers(Supervisor supervisor, Path criRoot) throws IOException {
        return new PodContainers(
                criRoot.resolve("containers"),
                (id, dir) -> SandboxCalls.deleteIfCreated(supervisor, id));
    }

    /** Reads every record once at the daemon's start, evicting those that cannot be read. */
    public static void evictUnreadable(Supervisor supervisor, Path criRoot, Cni cni)
            throws IOException {
        if (!Files.isDirectory(criRoot)) return;
        var _ = containers(supervisor, criRoot);
        var _ = sandboxes(supervisor, criRoot, cni);
    }
}
