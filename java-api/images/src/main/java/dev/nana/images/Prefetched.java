package dev.nana.images;

import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * A pull's blobs, fetched before the store is locked: the config into memory, each layer the store
 * lacks unpacked as it comes off the wire into a folder of this pull's own (one pass: the source
 * checks its digest as it ends, and the folder is kept only when the layer was whole and unpacks to
 * the config's diff id), a few layers at once. The network is never crossed while the store is
 * locked, so a slow or hostile registry holds up only its own pull, never another import, pull or
 * removal; under the lock a layer is only renamed into place.
 */
final class Prefetched implements ImageStore.Blobs, AutoCloseable {
    private final Path dir;
    private final Map<String, byte[]> read = new HashMap<>();
    private final Map<String, Path> files = new HashMap<>();
    private final Map<String, Path> unpacked = new java.util.concurrent.ConcurrentHashMap<>();

    private Prefetched(Path dir) {
        this.dir = dir;
    }

    /**
     * Fetches config and the layers whose diff id (the config's, in order) has lacks tell the store
     * lacks, into a new folder under downloads.
     */
    static Prefetched fetch(
            Path downloads,
            ImageStore.Blobs from,
            ImageStore.Descriptor config,
            List<ImageStore.Descriptor> layers,
            Predicate<String> lacks)
            throws IOException {
        Files.createDirectories(downloads);
        Prefetched p =
                new Prefetched(
                        downloads.resolve(ProcessHandle.current().pid() + "-" + UUID.randomUUID()));
        try {
            Files.createDirectory(p.dir);
            byte[] configBytes = from.read(config);
            p.read.put(config.digest(), configBytes);
            List<String> diffIds = ImageStore.diffIds(configBytes, "config " + config.digest());
            Map<String, ImageStore.Descriptor> streamed = new java.util.LinkedHashMap<>();
            for (int i = 0; i < layers.size(); i++) {
                ImageStore.Descriptor d = layers.get(i);
                if (i < diffIds.size() && !lacks.test(diffIds.get(i))) continue;
                if (p.files.containsKey(d.digest())) continue;
                if (i < diffIds.size() && from.streams()) {
                    streamed.putIfAbsent(diffIds.get(i), d);
                    continue;
                }
                Path file = p.dir.resolve("layer-" + i);
                p.files.put(d.digest(), from.file(d, file));
            }
            ImageStore.inParallel(
                    streamed.entrySet(), l -> p.unpack(from, l.getValue(), l.getKey()));
            return p;
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** Unpacks one layer off the wire into this pull's folder. */
    private void unpack(ImageStore.Blobs from, ImageStore.Descriptor d, String diffId)
            throws IOException {
        Path folder = dir.resolve("unpacked-" + UUID.randomUUID());
        try (InputStream in = from.stream(d)) {
            LayerUnpacker.Unpacked u;
            try {
                u =
                        LayerUnpacker.unpack(
                                new java.io.FilterInputStream(in) {
                                    @Override
                                    public void close() {} // drained below when it breaks
                                },
                                folder,
                                ImageLimits.maxUnpacked(d.size()),
                                "layer " + d.digest());
            } catch (IOException | RuntimeException broken) {
                // a layer that does not parse: when the source's copy is corrupt, its digest says
                // so once it is all read, and that is the error to tell
                try {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (IOException | RuntimeException corrupt) {
                    // the stream throws its fetch's failure again at each read past it
                    if (!java.util.Objects.equals(corrupt, broken)) corrupt.addSuppressed(broken);
                    throw corrupt;
                }
                throw broken;
            }
            ImageStore.requireDiffId(u, d.digest(), diffId);
            unpacked.put(diffId, folder);
        } catch (IOException | RuntimeException e) {
            StateDir.deleteTree(folder);
            throw e;
        }
    }

    @Override
    public Path unpacked(String diffId) {
        return unpacked.get(diffId);
    }

    @Override
    public byte[] read(ImageStore.Descriptor d) throws IOException {
        byte[] b = read.get(d.digest());
        if (b == null) throw new IOException("blob " + d.digest() + " was not fetched");
        return b;
    }

    @Override
    public Path file(ImageStore.Descriptor d, Path scratch) throws IOException {
        Path f = files.get(d.digest());
        if (f == null) throw new IOException("layer " + d.digest() + " was not fetched");
        return f;
    }

    /** Removes what was fetched. */
    @Override
    public void close() throws IOException {
        StateDir.deleteTree(dir);
    }

    /** Removes the downloads of pulls whose process is gone (a crash mid-pull). */
    static void sweep(Path downloads) throws IOException {
        if (!Files.isDirectory(downloads)) return;
        try (var s = Files.list(downloads)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                int dash = name.indexOf('-');
                long pid =
                        dash > 0 && name.substring(0, dash).matches("\\d{1,10}")
                                ? Long.parseLong(name.substring(0, dash))
                                : -1;
                if (pid < 0 || ProcessHandle.of(pid).isEmpty()) StateDir.deleteTree(p);
            }
        }
    }
}
