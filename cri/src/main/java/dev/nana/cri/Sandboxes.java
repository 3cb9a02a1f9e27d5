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
 * The sandboxes on disk: a folder each under {@code <state-dir>/.cri/sandboxes/<id>/}, with its
 * sandbox.json and its pause process's bundle. Every change is written before it is answered, and a
 * daemon reads them all back when it starts: nothing is kept only in memory.
 */
final class Sandboxes {
    private static final Logger log = LoggerFactory.getLogger(Sandboxes.class);
    private static final String RECORD = "sandbox.json";

    private final Path root;
    private final Map<String, SandboxRecord> byId = new ConcurrentHashMap<>();

    Sandboxes(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root);
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.toList()) {
                Path file = dir.resolve(RECORD);
                if (!Files.exists(file)) {
                    // reserved, then the daemon stopped before the record was written: no pause
                    // process was started for it
                    deleteTree(dir);
                    continue;
                }
                try {
                    SandboxRecord r = StateFiles.read(file, SandboxRecord.class);
                    byId.put(r.id(), r);
                } catch (IOException e) {
                    log.warn(
                            "sandbox record {} cannot be read, left as it is: {}",
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

    /** Records a new sandbox, refusing a second one of the same pod name and attempt. */
    synchronized void add(SandboxRecord r) throws IOException {
        for (SandboxRecord other : byId.values()) {
            if (other.name().equals(r.name())) {
                throw new AlreadyExistsException(
                        "pod sandbox "
                                + r.name()
                                + " exists already as "
                                + other.id()
                                + ": remove it first (RemovePodSandbox), or give the next attempt number");
            }
        }
        StateFiles.write(dir(r.id()).resolve(RECORD), r);
        byId.put(r.id(), r);
    }

    /** The sandbox of this id, or of the one id it is a unique prefix of. */
    SandboxRecord get(String idOrPrefix) {
        SandboxRecord exact = byId.get(idOrPrefix);
        if (exact != null) return exact;
        List<SandboxRecord> matches =
                idOrPrefix.isEmpty()
                        ? List.of()
                        : byId.values().stream()
                                .filter(r -> r.id().startsWith(idOrPrefix))
                                .toList();
        if (matches.size() == 1) return matches.getFirst();
        if (matches.isEmpty()) {
            throw new NotFoundException(
                    "pod sandbox \""
                            + idOrPrefix
                            + "\" does not exist: ListPodSandbox shows those there are");
        }
        throw new dev.nana.InvalidArgumentException(
                "pod sandbox id \""
                        + idOrPrefix
                        + "\" is the start of "
                        + matches.size()
                        + " ids: give more of it");
    }

    /** The sandbox, or null when there is none (for the calls that must not fail then). */
    SandboxRecord find(String idOrPrefix) {
        try {
            return get(idOrPrefix);
        } catch (NotFoundException e) {
            return null;
        }
    }

    List<SandboxRecord> all() {
        return byId.values().stream()
                .sorted(Comparator.comparingLong(SandboxRecord::createdAtNanos))
                .toList();
    }

    /**
     * Forgets a sandbox and removes its folder, the record first: a folder left without one by a
     * crash is removed when the next daemon starts.
     */
    void remove(String id) throws IOException {
        Path dir = dir(id);
        Files.deleteIfExists(dir.resolve(RECORD));
        byId.remove(id);
        deleteTree(dir);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
