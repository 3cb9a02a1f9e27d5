package dev.nana.cri;

import dev.nana.images.RootFs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The CRI containers on disk, a folder each under {@code <state-dir>/.cri/containers/<id>/}: its
 * container.json, its bundle (config.json, and rootfs, the overlay mount of its image's layers),
 * and the overlay's upper and work folders.
 */
final class PodContainers {
    private final RecordFolder<CriContainerRecord> records;

    PodContainers(Path root, RecordFolder.Eviction evict) throws IOException {
        records =
                new RecordFolder<>(
                        root,
                        new RecordFolder.Kind<>(
                                "container",
                                "ListContainers",
                                "container.json",
                                CriContainerRecord.class,
                                CriContainerRecord::id,
                                CriContainerRecord::createdAtNanos,
                                // its root filesystem may be mounted
                                dir -> RootFs.unmount(dir.resolve("bundle/rootfs"))),
                        evict);
    }

    Path dir(String id) {
        return records.dir(id);
    }

    Path bundle(String id) {
        return dir(id).resolve("bundle");
    }

    /** Records a new container, refusing a second one of the same name and attempt in its pod. */
    void add(CriContainerRecord r) throws IOException {
        records.add(
                r,
                c -> List.of(c.sandboxId(), c.name(), c.attempt()),
                (mine, other) ->
                        "container "
                                + mine.name()
                                + " (attempt "
                                + mine.attempt()
                                + ") exists already in pod sandbox "
                                + mine.sandboxId()
                                + " as "
                                + other.id()
                                + ": remove it first, or give the next attempt number");
    }

    CriContainerRecord get(String idOrPrefix) {
        return records.get(idOrPrefix);
    }

    CriContainerRecord find(String idOrPrefix) {
        return records.find(idOrPrefix);
    }

    List<CriContainerRecord> all() {
        return records.all();
    }

    List<CriContainerRecord> of(String sandboxId) {
        return all().stream().filter(c -> c.sandboxId().equals(sandboxId)).toList();
    }

    /**
     * Whether a CRI container under criRoot runs from image (read from the disk, so that a CLI's
     * {@code nana image rm} sees the daemon's containers).
     */
    static boolean usesImage(Path criRoot, String imageId) throws IOException {
        Path dir = criRoot.resolve("containers");
        if (!java.nio.file.Files.isDirectory(dir)) return false;
        try (var s = java.nio.file.Files.list(dir)) {
            for (Path c : s.toList()) {
                Path file = c.resolve("container.json");
                if (!java.nio.file.Files.exists(file)) continue;
                if (dev.nana.supervisor.state.StateFiles.read(file, CriContainerRecord.class)
                        .imageId()
                        .equals(imageId)) return true;
            }
        }
        return false;
    }

    /** Forgets a container, unmounts its root filesystem and removes its folder. */
    void remove(String id) throws IOException {
        records.remove(id);
    }
}
