package dev.nana.cri;

import dev.nana.AlreadyExistsException;
import dev.nana.InvalidArgumentException;
import dev.nana.Limits;
import dev.nana.NotFoundException;
import dev.nana.supervisor.state.StateDir;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CRI's records of one kind (sandboxes, containers) on disk: a folder each under root, holding
 * its JSON record and whatever else it needs. Every change is written before it is answered, and
 * the records are read back whole when the CRI starts: nothing is kept only in memory. A folder
 * without its record was being made when a daemon stopped, or being removed: it is cleaned up.
 *
 * @param <R> the record type
 */
final class RecordFolder<R> {
    private static final Logger log = LoggerFactory.getLogger(RecordFolder.class);

    /** What a kind of record is called, how it is read, and how a half-made folder goes. */
    record Kind<R>(
            String what,
            String listCall,
            String file,
            Class<R> type,
            Function<R, String> id,
            ToLongFunction<R> createdAt,
            Cleanup cleanup) {}

    /** Undoes what a folder without its record may still hold (a mount). */
    @FunctionalInterface
    interface Cleanup {
        void undo(Path dir) throws IOException;
    }

    private final Path root;
    private final Kind<R> kind;
    private final Map<String, R> byId = new ConcurrentHashMap<>();

    /** Undoes all that a folder whose record cannot be read may still run or hold. */
    @FunctionalInterface
    interface Eviction {
        void evict(String id, Path dir) throws IOException;
    }

    /**
     * Reads every record under root. A folder whose record cannot be read (torn, of the wrong
     * shape, or over the size nana reads) is treated as a torn state.json is: evict undoes what it
     * may run or hold (its nana container killed and deleted, which journals its DELETE; its
     * mounts, namespaces, network), and the folder is set aside in {@code .trash} beside root. Left
     * as it was, it ran on unseen, and its pod could never be removed.
     */
    RecordFolder(Path root, Kind<R> kind, Eviction evict) throws IOException {
        this.root = root;
        this.kind = kind;
        Files.createDirectories(root);
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.toList()) {
                Path file = dir.resolve(kind.file());
                if (!Files.exists(file)) {
                    kind.cleanup().undo(dir);
                    StateDir.deleteTree(dir);
                    continue;
                }
                try {
                    R r = StateFiles.read(file, kind.type());
                    byId.put(kind.id().apply(r), r);
                } catch (IOException | RuntimeException e) {
                    String id = dir.getFileName().toString();
                    log.warn(
                            "{} record {} cannot be read ({}): its {} is killed and deleted, its"
                                    + " folder set aside",
                            kind.what(),
                            file,
                            e.toString(),
                            kind.what());
                    try {
                        evict.evict(id, dir);
                        kind.cleanup().undo(dir);
                    } catch (IOException | RuntimeException again) {
                        log.warn("{} {}: undoing it: {}", kind.what(), id, again.toString());
                    }
                    setAside(dir);
                }
            }
        }
    }

    Path dir(String id) {
        return root.resolve(id);
    }

    private void setAside(Path dir) {
        Path trash = root.resolveSibling(".trash");
        Path target =
                trash.resolve(
                        root.getFileName()
                                + "-"
                                + dir.getFileName()
                                + "."
                                + System.currentTimeMillis());
        try {
            Files.createDirectories(trash);
            Files.move(dir, target);
        } catch (IOException e) {
            log.warn("{} cannot be set aside in {}: {}", dir, trash, e.toString());
        }
    }

    /**
     * Records r, refusing it when another has the same key: clash then says why, naming the other.
     */
    synchronized void add(R r, Function<R, Object> key, BiFunction<R, R, String> clash)
            throws IOException {
        for (R other : byId.values()) {
            if (key.apply(other).equals(key.apply(r)))
                throw new AlreadyExistsException(clash.apply(r, other));
        }
        long size = StateFiles.JSON.writeValueAsBytes(r).length;
        if (size > Limits.MAX_STATE_FILE_BYTES) { // never a record that could not be read back
            throw new InvalidArgumentException(
                    kind.what()
                            + " "
                            + kind.id().apply(r)
                            + " would be recorded in "
                            + size
                            + " bytes: at most "
                            + Limits.MAX_STATE_FILE_BYTES
                            + " are read back; give it fewer mounts, labels or annotations");
        }
        StateFiles.write(dir(kind.id().apply(r)).resolve(kind.file()), r);
        byId.put(kind.id().apply(r), r);
    }

    /** The record of this id, or of the one id it is a unique prefix of. */
    R get(String idOrPrefix) {
        R exact = byId.get(idOrPrefix);
        if (exact != null) return exact;
        List<R> matches =
                idOrPrefix.isEmpty()
                        ? List.of()
                        : byId.values().stream()
                                .filter(r -> kind.id().apply(r).startsWith(idOrPrefix))
                                .toList();
        if (matches.size() == 1) return matches.getFirst();
        if (matches.isEmpty()) {
            throw new NotFoundException(
                    kind.what()
                            + " \""
                            + idOrPrefix
                            + "\" does not exist: "
                            + kind.listCall()
                            + " shows those there are");
        }
        throw new InvalidArgumentException(
                kind.what()
                        + " id \""
                        + idOrPrefix
                        + "\" is the start of "
                        + matches.size()
                        + " ids: give more of it");
    }

    /** The record, or null when there is none (for the calls that must not fail then). */
    R find(String idOrPrefix) {
        try {
            return get(idOrPrefix);
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** Every record, oldest first. */
    List<R> all() {
        return byId.values().stream().sorted(Comparator.comparingLong(kind.createdAt())).toList();
    }

    /**
     * Forgets a record and removes its folder, the record first: a folder left without one by a
     * crash is cleaned up when the next daemon starts.
     */
    void remove(String id) throws IOException {
        Path dir = dir(id);
        Files.deleteIfExists(dir.resolve(kind.file()));
        byId.remove(id);
        kind.cleanup().undo(dir);
        StateDir.deleteTree(dir);
    }
}
