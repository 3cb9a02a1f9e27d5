package dev.nana.images;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nana.FailedPreconditionException;
import dev.nana.InvalidArgumentException;
import dev.nana.NotFoundException;
import dev.nana.supervisor.state.StateDir;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nana's content-addressed image store, under {@code <state-dir>/.images/}:
 *
 * <pre>
 *   blobs/sha256/HEX     manifests and configs, by digest (checked when they come in)
 *   layers/HEX/          each layer unpacked once, by diff id, shared by every image that has it
 *   images/HEX.json      an image (its config's digest): names, digests, layers, size
 *   lock                 held while the store changes, by any process
 * </pre>
 *
 * A layer is unpacked under a temporary name and renamed into place, an image record is written
 * last: a crash leaves at worst a temporary folder, which the next change removes. Every read comes
 * from the disk, so a CLI and the daemon may share the folder.
 */
public final class ImageStore {
    private static final Logger log = LoggerFactory.getLogger(ImageStore.class);

    /** The store's folder in a state directory: no container's. */
    public static final String FOLDER = ".images";

    private static final Map<Path, ImageStore> OPEN = new ConcurrentHashMap<>();
    private static final String INDEX = "application/vnd.oci.image.index.v1+json";
    private static final String DOCKER_LIST =
            "application/vnd.docker.distribution.manifest.list.v2+json";
    private static final String REF_NAME = "org.opencontainers.image.ref.name";

    private final Path root;
    private final ReentrantLock changing = new ReentrantLock();
    // bytes and inodes of each layer folder, by name: measured once (usage())
    private final Map<String, long[]> layerUsage = new ConcurrentHashMap<>();

    private ImageStore(Path root) {
        this.root = root;
    }

    /** The store under root, one instance per folder in a process. */
    public static ImageStore open(Path root) {
        return OPEN.computeIfAbsent(root.toAbsolutePath().normalize(), ImageStore::new);
    }

    public Path root() {
        return root;
    }

    /** The folder a layer is unpacked in. */
    public Path layer(String diffId) {
        return root.resolve("layers").resolve(hex(diffId));
    }

    private Path blob(String digest) {
        return root.resolve("blobs/sha256").resolve(hex(digest));
    }

    private Path record(String id) {
        return root.resolve("images").resolve(hex(id) + ".json");
    }

    private static String hex(String digest) {
        if (!digest.matches("sha256:[0-9a-f]{64}"))
            throw new InvalidArgumentException("\"" + digest + "\" is not a sha256 digest");
        return digest.substring("sha256:".length());
    }

    // ---- reading

    /** Every image, oldest first. */
    public List<ImageRecord> list() throws IOException {
        Path images = root.resolve("images");
        if (!Files.isDirectory(images)) return List.of();
        List<ImageRecord> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(images)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".json")).toList()) {
                try {
                    out.add(StateFiles.read(p, ImageRecord.class));
                } catch (IOException e) {
                    log.warn("image record {} cannot be read, left out: {}", p, e.toString());
                }
            }
        }
        out.sort(Comparator.comparing(ImageRecord::created).thenComparing(ImageRecord::id));
        return out;
    }

    /**
     * The image a reference, digest reference, id or unique id prefix (at least 12 hex digits)
     * names; null when there is none.
     */
    public ImageRecord find(String ref) throws IOException {
        List<ImageRecord> all = list();
        String id = ref.startsWith("sha256:") ? ref : "sha256:" + ref;
        if (ref.matches("(sha256:)?[0-9a-f]{12,64}")) {
            List<ImageRecord> byId = all.stream().filter(i -> i.id().startsWith(id)).toList();
            if (byId.size() == 1) return byId.getFirst();
            if (byId.size() > 1)
                throw new InvalidArgumentException(
                        "image id \""
                                + ref
                                + "\" is the start of "
                                + byId.size()
                                + " ids: give more of it");
            if (ref.length() == 64 || ref.startsWith("sha256:")) return null;
        }
        String full = ImageReference.parse(ref).toString();
        for (ImageRecord i : all) {
            if (i.repoTags().contains(full) || i.repoDigests().contains(full)) return i;
        }
        return null;
    }

    /**
     * What reading takes of an image's config (a JSON document), parsed within the heap budget
     * ({@link ImageLimits#parse}).
     */
    public <T> T config(ImageRecord image, ImageLimits.Reading<T> reading) throws IOException {
        Path file = blob(image.id());
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            bytes = ImageLimits.readMetadata(in, "the config of image " + image.id());
        }
        return ImageLimits.parse(bytes, "the config of image " + image.id(), reading);
    }

    /** The diff ids a config lists, one per layer. */
    static List<String> diffIds(byte[] config, String what) throws IOException {
        return ImageLimits.parse(
                config,
                what,
                tree -> {
                    List<String> ids = new ArrayList<>();
                    for (JsonNode id : tree.path("rootfs").path("diff_ids")) ids.add(id.asText());
                    return ids;
                });
    }

    /** What an image's manifest says: its config and its layers. */
    private record Manifest(Descriptor config, List<Descriptor> layers) {
        static Manifest of(JsonNode manifest) {
            List<Descriptor> layers = new ArrayList<>();
            for (JsonNode l : manifest.path("layers")) layers.add(Descriptor.of(l));
            return new Manifest(Descriptor.of(manifest.path("config")), layers);
        }
    }

    /**
     * Bytes and inodes the store takes. A layer's folder never changes once it is in place, so each
     * is measured once, the first time it is seen, and only the rest (records, blobs, downloads) is
     * walked each time: a kubelet asks this (ImageFsInfo) every few seconds, and crictl at every
     * command, and walking every file of every layer made each such call grow with the store.
     */
    public long[] usage() throws IOException {
        long[] u = new long[2];
        if (!Files.isDirectory(root)) return u;
        Path layers = root.resolve("layers");
        u[1]++; // the store's folder
        try (Stream<Path> top = Files.list(root)) {
            for (Path p : top.toList()) add(u, p.equals(layers) ? new long[] {0, 1} : diskUsage(p));
        }
        if (!Files.isDirectory(layers)) return u;
        java.util.Set<String> present = new java.util.HashSet<>();
        try (Stream<Path> s = Files.list(layers)) {
            for (Path l : s.toList()) {
                String name = l.getFileName().toString();
                present.add(name);
                long[] measured = layerUsage.get(name);
                if (measured == null) {
                    try {
                        measured = diskUsage(l);
                    } catch (IOException | java.io.UncheckedIOException gone) {
                        continue; // removed while it was measured
                    }
                    layerUsage.put(name, measured);
                }
                add(u, measured);
            }
        }
        layerUsage.keySet().retainAll(present);
        return u;
    }

    private static void add(long[] sum, long[] more) {
        sum[0] += more[0];
        sum[1] += more[1];
    }

    /** Bytes (of regular files) and inodes under dir; zeros when it does not exist. */
    public static long[] diskUsage(Path dir) throws IOException {
        long[] u = new long[2];
        if (!Files.exists(dir)) return u;
        try (Stream<Path> s = Files.walk(dir)) {
            s.forEach(
                    p -> {
                        u[1]++;
                        try {
                            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                                u[0] += Files.size(p);
                        } catch (IOException e) {
                            // gone meanwhile
                        }
                    });
        }
        return u;
    }

    // ---- changing

    /**
     * Imports the image of an OCI image layout folder (skopeo's or umoci's {@code oci:DIR}): for an
     * index of several platforms, the linux/amd64 one. name gives it a name when the layout's own
     * ref.name annotation is only a tag, or none.
     */
    public ImageRecord importOciLayout(Path layout, String name) throws IOException {
        Path indexFile = layout.resolve("index.json");
        if (!Files.isRegularFile(indexFile) || !Files.exists(layout.resolve("oci-layout"))) {
            throw new InvalidArgumentException(
                    "\""
                            + layout
                            + "\" is no OCI image layout (no oci-layout and index.json): give the folder skopeo or umoci wrote");
        }
        ImageLimits.requireMetadataSize("\"" + indexFile + "\"", Files.size(indexFile));
        byte[] indexBytes;
        try (InputStream in = Files.newInputStream(indexFile, LinkOption.NOFOLLOW_LINKS)) {
            indexBytes = ImageLimits.readMetadata(in, "\"" + indexFile + "\"");
        }
        JsonNode first =
                ImageLimits.parse(
                        indexBytes,
                        "\"" + indexFile + "\"",
                        index -> {
                            JsonNode manifests = index.path("manifests");
                            if (manifests.isEmpty())
                                throw new InvalidArgumentException(
                                        "\"" + indexFile + "\" lists no image");
                            return manifests.get(0); // alone: the rest of the tree is let go
                        });
        String refName = first.path("annotations").path(REF_NAME).asText("");
        String reference = referenceFor(name, refName, layout);
        try (Change _ = new Change()) {
            JsonNode descriptor = first;
            byte[] manifestBytes = readBlob(layout, descriptor);
            String what = "manifest " + descriptor.path("digest").asText();
            JsonNode platform =
                    ImageLimits.parse(
                            manifestBytes,
                            what,
                            m -> {
                                String type =
                                        m.path("mediaType")
                                                .asText(first.path("mediaType").asText());
                                return type.equals(INDEX) || type.equals(DOCKER_LIST)
                                        ? platform(m, layout)
                                        : null;
                            });
            if (platform != null) {
                descriptor = platform;
                manifestBytes = readBlob(layout, descriptor);
                what = "manifest " + descriptor.path("digest").asText();
            }
            String manifestDigest = descriptor.path("digest").asText();
            Manifest manifest = ImageLimits.parse(manifestBytes, what, Manifest::of);
            List<Descriptor> layers = manifest.layers();
            Descriptor config = manifest.config();
            Blobs blobs =
                    new Blobs() {
                        @Override
                        public byte[] read(Descriptor d) throws IOException {
                            return readBlob(layout, d);
                        }

                        @Override
                        public Path file(Descriptor d, Path scratch) {
                            Path file = layout.resolve("blobs/sha256").resolve(hex(d.digest()));
                            if (!Files.isRegularFile(file))
                                throw new InvalidArgumentException(
                                        "the layout \"" + layout + "\" lacks layer " + d.digest());
                            return file;
                        }

                        @Override
                        public String toString() {
                            return "\"" + layout + "\"";
                        }
                    };
            ImageReference ref = ImageReference.parse(reference);
            writeBlob(manifestDigest, manifestBytes);
            ImageRecord image = add(ref, ref.name() + "@" + manifestDigest, config, layers, blobs);
            log.info("image {} imported as {} ({} layers)", image.id(), ref, layers.size());
            return image;
        }
    }

    /**
     * Imports an image of a {@code docker save} archive (or skopeo's {@code docker-archive:FILE}):
     * the one name tags, or the archive's first. name also names it when the archive gives it no
     * tag.
     */
    public ImageRecord importDockerArchive(Path archive, String name) throws IOException {
        try (DockerArchive a = new DockerArchive(archive);
                Change _ = new Change()) {
            DockerArchive.Image image = a.image(name);
            String tag =
                    name != null
                            ? name
                            : image.repoTags().isEmpty() ? null : image.repoTags().getFirst();
            if (tag == null)
                throw new InvalidArgumentException(
                        "the image in \""
                                + archive
                                + "\" has no tag of its own: give it a name, e.g. busybox:1.36");
            ImageReference ref = ImageReference.parse(tag);
            ImageRecord r = add(ref, null, image.config(), image.layers(), a);
            log.info("image {} imported as {} ({} layers)", r.id(), ref, image.layers().size());
            return r;
        }
    }

    /** Where pulls fetch their layers before the store is locked. */
    private static final String DOWNLOADS = ".downloads";

    /** A whole pull's time, at most: its manifests and its layers. */
    static final long PULL_TIMEOUT_SECONDS = Long.getLong("nana.image.pullTimeoutSeconds", 1800);

    private static java.util.concurrent.ScheduledExecutorService deadlines;

    private static synchronized java.util.concurrent.ScheduledExecutorService deadlines() {
        if (deadlines == null)
            deadlines =
                    java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                            Thread.ofPlatform().name("nana-pull-deadlines").daemon().factory());
        return deadlines;
    }

    /**
     * Pulls an image from its registry, or from a mirror the hosts table gives for it: for an index
     * of several platforms, the linux/amd64 one. Layers the store has are not fetched again.
     *
     * @param credential a user name and password (or token) for the registry, or null
     */
    public ImageRecord pull(ImageReference ref, RegistryHosts hosts, Credentials credential)
            throws IOException {
        // the network first, with nothing locked, and within the pull's deadline: past it, every
        // connection of the pull is closed under it (a registry that answers a byte every few
        // seconds never meets a read timeout)
        RegistryPull.Resolved r;
        Prefetched fetched;
        List<RegistryPull> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean expired =
                new java.util.concurrent.atomic.AtomicBoolean();
        var cut =
                deadlines()
                        .schedule(
                                () -> {
                                    expired.set(true);
                                    opened.forEach(RegistryPull::close);
                                },
                                PULL_TIMEOUT_SECONDS,
                                java.util.concurrent.TimeUnit.SECONDS);
        try {
            r = RegistryPull.resolve(ref, hosts, credential, opened::add);
            try (RegistryPull blobs = r.blobs()) {
                fetched =
                        Prefetched.fetch(
                                root.resolve(DOWNLOADS),
                                blobs,
                                r.config(),
                                r.layers(),
                                diffId -> !Files.isDirectory(layer(diffId)));
            }
        } catch (IOException | RuntimeException e) {
            if (!expired.get()) throw e;
            throw new dev.nana.DeadlineExceededException(
                    "the pull of "
                            + ref
                            + " took more than "
                            + PULL_TIMEOUT_SECONDS
                            + " s and was cut (-Dnana.image.pullTimeoutSeconds sets the limit)",
                    e);
        } finally {
            cut.cancel(false);
        }
        try (fetched;
                Change _ = new Change()) {
            ImageRecord image =
                    add(ref, ref.name() + "@" + r.digest(), r.config(), r.layers(), fetched);
            log.info(
                    "image {} pulled as {} from {} ({} layers)",
                    image.id(),
                    ref,
                    r.host(),
                    r.layers().size());
            return image;
        }
    }

    /**
     * A blob's digest and size, as a manifest gives it: a size is never negative nor more than a
     * layer may be, so that an image's total cannot overflow (it once read -4611686018427.4MB).
     */
    record Descriptor(String digest, long size) {
        Descriptor {
            if (size < 0 || size > ImageLimits.MAX_LAYER_BYTES)
                throw new InvalidArgumentException(
                        "blob "
                                + digest
                                + " claims a size of "
                                + size
                                + " bytes: a blob's size is 0 to "
                                + ImageLimits.MAX_LAYER_BYTES
                                + " (nana.image.maxLayerBytes); the image is malformed or hostile");
        }

        static Descriptor of(JsonNode d) {
            return new Descriptor(d.path("digest").asText(), d.path("size").asLong());
        }
    }

    /** Where an image's blobs come from: a layout's folder, or a registry. */
    interface Blobs {
        /** A blob's bytes, checked against its digest. */
        byte[] read(Descriptor d) throws IOException;

        /**
         * A file that holds the blob (the store checks it): the source's own, or scratch, which the
         * store removes afterwards.
         */
        Path file(Descriptor d, Path scratch) throws IOException;

        /**
         * The blob as a stream, from a source that checks it as it comes (a registry): what does
         * not match the descriptor's digest and size throws, before the stream's end, so that a
         * layer unpacked from it is kept only when it was whole. Null: the source has the blob as a
         * file ({@link #file}).
         */
        default InputStream stream(Descriptor d) throws IOException {
            return null;
        }

        /** Whether {@link #stream} gives the blobs. */
        default boolean streams() {
            return false;
        }

        /** A folder the source unpacked the layer into already (checked), or null. */
        default Path unpacked(String diffId) {
            return null;
        }
    }

    /**
     * Adds (or names again) the image of a manifest: unpacks the layers the store lacks, keeps the
     * config, and writes the record with ref as a tag (a tag reference) and repoDigest (none for an
     * archive, which has no manifest digest). Called while the store is being changed.
     */
    private ImageRecord add(
            ImageReference ref,
            String repoDigest,
            Descriptor configDescriptor,
            List<Descriptor> layers,
            Blobs blobs)
            throws IOException {
        byte[] configBytes = blobs.read(configDescriptor);
        String id = configDescriptor.digest();
        List<String> diffIds = diffIds(configBytes, "config " + id);
        if (diffIds.size() != layers.size()) {
            throw new InvalidArgumentException(
                    "image "
                            + id
                            + " has "
                            + layers.size()
                            + " layers but its config lists "
                            + diffIds.size()
                            + " diff ids: the image is malformed");
        }
        long size = configDescriptor.size();
        // each layer once, a few at a time: a pull is as fast as the wire and the disk allow
        Map<String, Descriptor> distinct = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) distinct.putIfAbsent(diffIds.get(i), layers.get(i));
        unpackAll(blobs, distinct);
        List<String> diffs = new ArrayList<>(diffIds);
        for (Descriptor l : layers) size += l.size();
        writeBlob(id, configBytes);
        ImageRecord existing = read(id);
        Set<String> tags = new LinkedHashSet<>(existing == null ? List.of() : existing.repoTags());
        Set<String> digests =
                new LinkedHashSet<>(existing == null ? List.of() : existing.repoDigests());
        if (ref.tag() != null) {
            untagOthers(id, ref.toString());
            tags.add(ref.toString());
        }
        if (repoDigest != null) digests.add(repoDigest);
        ImageRecord image =
                new ImageRecord(
                        id,
                        List.copyOf(tags),
                        List.copyOf(digests),
                        size,
                        List.copyOf(diffs),
                        existing != null ? existing.created() : java.time.Instant.now().toString());
        StateFiles.write(record(id), image);
        return image;
    }

    private static String referenceFor(String name, String refName, Path layout) {
        if (name != null && !name.isBlank()) {
            ImageReference given = ImageReference.parse(name);
            // "name" alone takes the layout's tag, when it has one
            if (!name.contains(":")
                    && !name.contains("@")
                    && refName.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*"))
                return given.name() + ":" + refName;
            return given.toString();
        }
        if (refName.contains("/") || refName.contains(":")) return refName;
        throw new InvalidArgumentException(
                "the image in \""
                        + layout
                        + "\" has no name of its own (ref.name \""
                        + refName
                        + "\"): give one, e.g. busybox:1.36");
    }

    private static JsonNode platform(JsonNode index, Path layout) {
        for (JsonNode m : index.path("manifests")) {
            JsonNode p = m.path("platform");
            if (p.path("os").asText().equals("linux")
                    && p.path("architecture").asText().equals("amd64")) return m;
        }
        throw new InvalidArgumentException(
                "the image in \""
                        + layout
                        + "\" has no linux/amd64 variant: nana runs linux/amd64 images");
    }

    /** A blob of the layout, checked against its descriptor's digest and size. */
    private static byte[] readBlob(Path layout, JsonNode descriptor) throws IOException {
        return readBlob(layout, Descriptor.of(descriptor));
    }

    private static byte[] readBlob(Path layout, Descriptor descriptor) throws IOException {
        String digest = descriptor.digest();
        Path file = layout.resolve("blobs/sha256").resolve(hex(digest));
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))
            throw new InvalidArgumentException(
                    "the layout \"" + layout + "\" lacks blob " + digest);
        ImageLimits.requireMetadataSize("blob " + digest, descriptor.size());
        long size = Files.size(file);
        if (size != descriptor.size())
            throw new InvalidArgumentException(
                    "blob "
                            + digest
                            + " of \""
                            + layout
                            + "\" is "
                            + size
                            + " bytes, its descriptor says "
                            + descriptor.size()
                            + ": it is corrupt");
        byte[] bytes = Files.readAllBytes(file);
        requireDigest("blob", digest, sha256().digest(bytes), "\"" + layout + "\"");
        return bytes;
    }

    /** Throws, naming the blob, when its bytes' sha256 is not the digest its descriptor gives. */
    static void requireDigest(String what, String digest, byte[] sha256, String source) {
        String actual = "sha256:" + HexFormat.of().formatHex(sha256);
        if (!actual.equals(digest))
            throw new InvalidArgumentException(
                    what
                            + " "
                            + digest
                            + " of "
                            + source
                            + " has digest "
                            + actual
                            + ": it is corrupt");
    }

    /** Layers unpacked at once, at most, in one pull. */
    static final int PARALLEL_LAYERS = 3;

    /** Unpacks the layers the store lacks, a few at a time. */
    private void unpackAll(Blobs blobs, Map<String, Descriptor> layers) throws IOException {
        inParallel(layers.entrySet(), l -> unpackOnce(blobs, l.getValue(), l.getKey()));
    }

    /** What runs on each item of a parallel step. */
    interface Step<T> {
        void run(T item) throws IOException;
    }

    /**
     * Runs step on every item, {@link #PARALLEL_LAYERS} at a time (one: on this thread); throws the
     * first failure once every step has ended (the others are interrupted).
     */
    static <T> void inParallel(java.util.Collection<T> items, Step<T> step) throws IOException {
        if (items.size() <= 1) {
            for (T item : items) step.run(item);
            return;
        }
        Semaphore slots = new Semaphore(PARALLEL_LAYERS);
        try (ExecutorService pool =
                Executors.newThreadPerTaskExecutor(
                        Thread.ofVirtual().name("nana-layer-", 0).factory())) {
            List<Future<?>> running = new ArrayList<>();
            for (T item : items)
                running.add(
                        pool.submit(
                                () -> {
                                    slots.acquire();
                                    try {
                                        step.run(item);
                                    } finally {
                                        slots.release();
                                    }
                                    return null;
                                }));
            Throwable first = null;
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause();
                        for (Future<?> other : running) other.cancel(true);
                    }
                } catch (java.util.concurrent.CancellationException cancelled) {
                    // after the first failure
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("a pull was interrupted");
                }
            }
            switch (first) {
                case null -> {}
                case IOException io -> throw io;
                case RuntimeException r -> throw r;
                default -> throw new IOException(first);
            }
        }
    }

    /** Unpacks a layer unless the store has it; checks its digest and diff id. */
    private void unpackOnce(Blobs blobs, Descriptor descriptor, String diffId) throws IOException {
        Path dest = layer(diffId);
        if (Files.isDirectory(dest)) return; // another image brought it
        String digest = descriptor.digest();
        hex(digest);
        Path tmp = root.resolve("layers/.unpacking-" + UUID.randomUUID());
        Path ready = blobs.unpacked(diffId);
        if (ready != null) { // unpacked off the wire and checked before the store was locked
            Files.move(ready, dest, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Path scratch = tmp.resolveSibling(tmp.getFileName() + ".blob");
        try {
            Path file = blobs.file(descriptor, scratch);
            long size = Files.size(file);
            if (descriptor.size() > 0 && size != descriptor.size())
                throw new InvalidArgumentException(
                        "layer "
                                + digest
                                + " is "
                                + size
                                + " bytes, its descriptor says "
                                + descriptor.size()
                                + ": the image is corrupt");
            // the digest first: an unverified layer is not even parsed
            MessageDigest sha = sha256();
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            requireDigest("layer", digest, sha.digest(), blobs.toString());
            try (InputStream in = Files.newInputStream(file)) {
                keep(
                        LayerUnpacker.unpack(
                                in, tmp, ImageLimits.maxUnpacked(size), "layer " + digest),
                        digest,
                        diffId,
                        tmp,
                        dest);
            }
        } finally {
            StateDir.deleteTree(tmp);
            Files.deleteIfExists(scratch);
        }
    }

    /** A layer unpacked in tmp becomes the store's, if it is what the config says. */
    private static void keep(
            LayerUnpacker.Unpacked u, String digest, String diffId, Path tmp, Path dest)
            throws IOException {
        requireDiffId(u, digest, diffId);
        Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A layer unpacks to the diff id its image's config gives it, or the image is corrupt. */
    static void requireDiffId(LayerUnpacker.Unpacked u, String digest, String diffId) {
        if (!u.diffId().equals(diffId))
            throw new InvalidArgumentException(
                    "layer "
                            + digest
                            + " unpacks to "
                            + u.diffId()
                            + ", not to the config's diff id "
                            + diffId
                            + ": the image is corrupt");
    }

    private void writeBlob(String digest, byte[] bytes) throws IOException {
        Path b = blob(digest);
        if (!Files.exists(b)) StateFiles.writeBytes(b, bytes);
    }

    private ImageRecord read(String id) throws IOException {
        Path r = record(id);
        return Files.exists(r) ? StateFiles.read(r, ImageRecord.class) : null;
    }

    /** A tag names one image: the one it named before loses it. */
    private void untagOthers(String id, String tag) throws IOException {
        for (ImageRecord other : list()) {
            if (other.id().equals(id) || !other.repoTags().contains(tag)) continue;
            List<String> tags = new ArrayList<>(other.repoTags());
            tags.remove(tag);
            StateFiles.write(record(other.id()), other.withTags(tags));
        }
    }

    /**
     * Removes an image with all its names, and the layers and blobs no other image has; inUse says
     * whether a container still runs from it (then it is refused). Nothing to remove is no error.
     */
    public boolean remove(String ref, InUse inUse) throws IOException {
        try (Change _ = new Change()) {
            evictUnreadableLocked(); // a record that rotted since: set aside, its layers go below
            ImageRecord image = find(ref);
            if (image == null) return false;
            if (inUse.test(image))
                throw new FailedPreconditionException(
                        "image "
                                + ref
                                + " ("
                                + image.id()
                                + ") is in use by a container: remove the container first");
            Files.deleteIfExists(record(image.id()));
            List<ImageRecord> others = list();
            removeOrphanLayers(others);
            Files.deleteIfExists(blob(image.id()));
            for (String d : image.repoDigests()) {
                String digest = d.substring(d.indexOf('@') + 1);
                boolean shared =
                        others.stream()
                                .anyMatch(
                                        o ->
                                                o.repoDigests().stream()
                                                        .anyMatch(x -> x.endsWith(digest)));
                if (!shared) Files.deleteIfExists(blob(digest));
            }
            log.info("image {} ({}) removed", image.id(), image.repoTags());
            return true;
        }
    }

    /** Where image records that cannot be read are set aside. */
    private static final String TRASH = ".trash";

    /**
     * Sets aside the image records that cannot be read (torn, of wrong types, over their limit),
     * and removes what only they kept: layers no readable image names and no mount uses, and their
     * configs. A broken record is left out of every list as soon as it is met; this frees what it
     * held, at the daemon's start and at every removal, as a torn state.json is treated.
     *
     * @return how many records were set aside
     */
    public int evictUnreadable() throws IOException {
        if (!Files.isDirectory(root.resolve("images"))) return 0;
        try (Change _ = new Change()) {
            return evictUnreadableLocked();
        }
    }

    private int evictUnreadableLocked() throws IOException {
        int evicted = 0;
        try (Stream<Path> s = Files.list(root.resolve("images"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".json")).toList()) {
                try {
                    StateFiles.read(p, ImageRecord.class);
                } catch (IOException | RuntimeException e) {
                    Path trash = root.resolve(TRASH);
                    Files.createDirectories(trash);
                    String name = p.getFileName().toString();
                    Files.move(p, trash.resolve(name + "." + System.currentTimeMillis()));
                    Files.deleteIfExists(
                            root.resolve("blobs/sha256")
                                    .resolve(name.substring(0, name.length() - ".json".length())));
                    log.warn(
                            "image record {} cannot be read ({}): set aside in {}, its layers freed",
                            p,
                            e.toString(),
                            trash);
                    evicted++;
                }
            }
        }
        if (evicted > 0) removeOrphanLayers(list());
        return evicted;
    }

    /**
     * Removes the layers no readable image (of those given) names, unless a mount (a container's
     * root) uses one: a layer an unreadable image left, kept while a container ran on it, goes at
     * the next removal.
     */
    private void removeOrphanLayers(List<ImageRecord> readable) throws IOException {
        Set<String> kept = new HashSet<>();
        for (ImageRecord r : readable) for (String d : r.diffIds()) kept.add(layer(d).toString());
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        try (Stream<Path> s = Files.list(root.resolve("layers"))) {
            for (Path l : s.toList()) {
                String name = l.getFileName().toString();
                if (name.startsWith(".") || kept.contains(l.toString())) continue;
                if (mounts.contains(l.toString())) {
                    log.info("layer {} is no image's, but a mount uses it: kept", name);
                    continue;
                }
                StateDir.deleteTree(l);
                log.info("layer {} is no image's: removed", name);
            }
        }
    }

    /**
     * One change of the store at a time: in this process (a lock) and across processes (a file lock
     * on {@code lock}). Taking it also removes what a crashed change left.
     */
    private final class Change implements AutoCloseable {
        private final FileChannel channel;

        Change() throws IOException {
            changing.lock();
            FileChannel ch = null;
            try {
                Files.createDirectories(root.resolve("layers"));
                Files.createDirectories(root.resolve("images"));
                Files.createDirectories(root.resolve("blobs/sha256"));
                ch =
                        FileChannel.open(
                                root.resolve("lock"),
                                StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE);
                ch.lock(); // released when the channel closes
                try (Stream<Path> s = Files.list(root.resolve("layers"))) {
                    for (Path p :
                            s.filter(p -> p.getFileName().toString().startsWith(".unpacking-"))
                                    .toList()) StateDir.deleteTree(p);
                }
                Prefetched.sweep(root.resolve(DOWNLOADS));
            } catch (IOException | RuntimeException e) {
                if (ch != null) ch.close();
                changing.unlock();
                throw e;
            }
            channel = ch;
        }

        @Override
        public void close() throws IOException {
            try {
                channel.close();
            } finally {
                changing.unlock();
            }
        }
    }

    private static MessageDigest sha256() {
        return Sha256.newDigest();
    }

    /** Whether a container runs from an image. */
    @FunctionalInterface
    public interface InUse {
        boolean test(ImageRecord image) throws IOException;
    }

    /** An unknown image, named. */
    public static NotFoundException notFound(String ref) {
        return new NotFoundException(
                "image \""
                        + ref
                        + "\" is not in nana's store: import it (nana image import) or pull it");
    }
}
