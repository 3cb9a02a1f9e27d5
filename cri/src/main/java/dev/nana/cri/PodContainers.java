package dev.nana.cri;

import dev.nana.AlreadyExistsException;
import dev.nana.NotFoundException;
import dev.nana.state.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CRI containers on disk, a folder each under {@code <state-dir>/.cri/containers/<id>/}: its
 * container.json, its bundle (config.json, and rootfs, the overlay mount of its image's layers),
 * and the overlay's upper and work folders. Read back whole when a daemon starts.
 */
final class PodContainers {
    private static final Logger log = LoggerFactory.getLogger(PodContainers.class);
    private static final String RECORD = "container.json";

    private final Path root;
    private final Map<String, ContainerRecord> byId = new ConcurrentHashMap<>();

    PodContainers(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root);
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.toList()) {
                Path file = dir.resolve(RECORD);
                if (!Files.exists(file)) {
                    // being created when a daemon stopped, before its record and its nana
                    // container: its root filesystem may be mounted
                    RootFs.unmount(dir.resolve("bundle/rootfs"));
                    Sandboxes.deleteTree(dir);
                    continue;
                }
                try {
                    ContainerRecord r = StateFiles.read(file, ContainerRecord.class);
                    byId.put(r.id(), r);
                } catch (IOException e) {
                    log.warn(
                            "container record {} cannot be read, left as it is: {}",
                            file,
                            e.toString());
                }
            }
        }
    }

    Path dir(String id) {
        return root.resolve(id);
    }

    Path bundle(String id) {
        return dir(id).resolve("bundle");
    }

    synchronized void add(ContainerRecord r) throws IOException {
        for (ContainerRecord other : byId.values()) {
            if (other.sandboxId().equals(r.sandboxId())
                    && other.name().equals(r.name())
                    && other.attempt() == r.attempt()) {
                throw new AlreadyExistsException(
                        "container "
                                + r.name()
                                + " (attempt "
                                + r.attempt()
                                + ") exists already in pod sandbox "
                                + r.sandboxId()
                                + " as "
                                + other.id()
                                + ": remove it first, or give the next attempt number");
            }
        }
        StateFiles.write(dir(r.id()).resolve(RECORD), r);
        byId.put(r.id(), r);
    }

    ContainerRecord get(String idOrPrefix) {
        ContainerRecord exact = byId.get(idOrPrefix);
        if (exact != null) return exact;
        List<ContainerRecord> matches =
                idOrPrefix.isEmpty()
                        ? List.of()
                        : byId.values().stream()
                                .filter(r -> r.id().startsWith(idOrPrefix))
                                .toList();
        if (matches.size() == 1) return matches.getFirst();
        if (matches.isEmpty())
            throw new NotFoundException(
                    "container \""
                            + idOrPrefix
                            + "\" does not exist: ListContainers shows those there are");
        throw new dev.nana.InvalidArgumentException(
                "container id \""
                        + idOrPrefix
                        + "\" is the start of "
                        + matches.size()
                        + " ids: give more of it");
    }

    ContainerRecord find(String idOrPrefix) {
        try {
            return get(idOrPrefix);
        } catch (NotFoundException e) {
            return null;
        }
    }

    List<ContainerRecord> all() {
        return byId.values().stream()
                .sorted(Comparator.comparingLong(ContainerRecord::createdAtNanos))
                .toList();
    }

    List<ContainerRecord> of(String sandboxId) {
        return all().stream().filter(c -> c.sandboxId().equals(sandboxId)).toList();
    }

    /**
     * Forgets a container, unmounts its root filesystem and removes its folder, the record first
     * (as {@link Sandboxes}).
     */
    void remove(String id) throws IOException {
        Files.deleteIfExists(dir(id).resolve(RECORD));
        byId.remove(id);
        RootFs.unmount(bundle(id).resolve("rootfs"));
        Sandboxes.deleteTree(dir(id));
    }
}
