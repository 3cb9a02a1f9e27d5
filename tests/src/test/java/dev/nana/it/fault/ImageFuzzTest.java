package dev.nana.it.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nana.NanaException;
import dev.nana.images.ImageStore;
import dev.nana.it.FaultSize;
import dev.nana.supervisor.state.StateDir;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Generated image layouts (jqwik) into nana's image store, as `nana image import` and the CRI's
 * pulls feed it: layers of files, folders, symlinks and hard links, devices, FIFOs, whiteouts and
 * opaque markers, named with {@code ..}, {@code .wh.} forms, absolute and deep paths, linked to the
 * host's files and to each other, plain or gzip, whole or cut short. Each is imported or refused
 * with nana's error; none writes outside the store, none harms the image the store already had, and
 * none leaves a half-unpacked layer. 2,000 cases a run imported, and the same kinds pulled from a
 * registry on the loopback that serves them as they are (200 a run in CI, 2,000 at full size).
 */
@Tag("fault")
class ImageFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger CASES = new AtomicInteger();
    private static final AtomicInteger IMPORTED = new AtomicInteger();

    private static Path root;
    private static Path outside;
    private static ImageStore store;
    private static Path keeperFile;

    private static final AtomicInteger PULLS = new AtomicInteger();
    private static final AtomicInteger PULLED = new AtomicInteger();

    /** Pulls a run: 200 in CI, 2,000 at full size. */
    private static final int PULL_CASES = FaultSize.of("imagePulls", 200, 2000);

    private static Process registry;
    private static int registryPort;
    private static dev.nana.images.RegistryHosts hosts;

    @BeforeContainer
    static void up() throws Exception {
        root = Files.createTempDirectory(Path.of("/run"), "nana-image-fuzz-");
        outside = root.resolve("outside");
        Files.createDirectories(outside);
        Files.writeString(outside.resolve("target"), "the host's");
        store = ImageStore.open(root.resolve("store"));
        // an image the store has before the fuzz: it must come out whole
        Path layout = root.resolve("keeper");
        byte[] tar =
                tar(
                        List.of(
                                new Entry(Kind.DIR, "etc", ""),
                                new Entry(Kind.FILE, "etc/keep", "kept")));
        layout(layout, tar, false);
        store.importOciLayout(layout, "keeper:1");
        try (Stream<Path> layers = Files.list(root.resolve("store/layers"))) {
            keeperFile = layers.toList().getFirst().resolve("etc/keep");
        }
        Path script = root.resolve("layout-registry.py");
        try (var in = ImageFuzzTest.class.getResourceAsStream("layout-registry.py")) {
            Files.write(script, in.readAllBytes());
        }
        registry =
                new ProcessBuilder(
                                "/usr/bin/python3",
                                script.toString(),
                                root.resolve("served").toString())
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        registryPort =
                Integer.parseInt(
                        new java.io.BufferedReader(
                                        new java.io.InputStreamReader(
                                                registry.getInputStream(), StandardCharsets.UTF_8))
                                .readLine()
                                .strip());
        hosts = new dev.nana.images.RegistryHosts(root.resolve("certs.d")); // none: the loopback
    }

    @AfterContainer
    static void down() throws Exception {
        System.out.printf(
                "image fuzz: %d layouts, %d imported, the rest refused; %d pulled from a"
                        + " registry, %d went through%n",
                CASES.get(), IMPORTED.get(), Math.min(PULLS.get(), PULL_CASES), PULLED.get());
        if (registry != null) registry.destroyForcibly();
        StateDir.deleteTree(root);
    }

    enum Kind {
        FILE,
        DIR,
        SYMLINK,
        HARDLINK,
        CHARDEV,
        FIFO,
        WHITEOUT,
        OPAQUE
    }

    record Entry(Kind kind, String name, String target) {}

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "..",
                        "../x",
                        "../outside/escaped",
                        "a/../../b",
                        "./a",
                        "a//b",
                        "/abs",
                        "/etc/passwd",
                        ".wh..",
                        ".wh...",
                        ".wh.a",
                        "a/.wh..wh..opq",
                        ".wh..wh..opq",
                        "a/.wh.b",
                        "a/.wh../c",
                        "a",
                        "a/b",
                        "a/b/c",
                        "link",
                        "link/escaped",
                        "etc/keep"),
                Arbitraries.strings().withCharRange('a', 'c').ofMinLength(1).ofMaxLength(3),
                Arbitraries.strings().withChars('a', '/', '.').ofMinLength(1).ofMaxLength(12));
    }

    @Provide
    Arbitrary<Entry> entries() {
        return Combinators.combine(
                        Arbitraries.of(Kind.class),
                        names(),
                        Arbitraries.oneOf(
                                names(),
                                Arbitraries.of(
                                        "/etc/shadow", "/", "../../outside/target", "/dev/zero")))
                .as(Entry::new);
    }

    @Property(tries = 2000)
    void anyLayoutIsImportedOrRefusedAndNothingLeavesTheStore(
            @ForAll("layers") List<Entry> layer,
            @ForAll boolean gzip,
            @ForAll("cuts") int cut,
            @ForAll boolean lieAboutDiffId)
            throws Exception {
        int n = CASES.incrementAndGet();
        Path layout = layoutOf(root.resolve("case"), layer, gzip, cut, lieAboutDiffId);
        try {
            store.importOciLayout(layout, "fuzz:" + n);
            IMPORTED.incrementAndGet();
            store.remove("fuzz:" + n, _ -> false);
        } catch (NanaException | IOException refused) {
            // refused, with nana's error (a malformed layer is no crash)
        }
        assertNothingLeft();
    }

    /** Nothing escaped, the keeper is whole, no layer but the keeper's is left, none half-made. */
    private static void assertNothingLeft() throws IOException {
        try (Stream<Path> left = Files.list(outside)) {
            assertEquals(List.of(outside.resolve("target")), left.toList(), "nothing escaped");
        }
        assertEquals("the host's", Files.readString(outside.resolve("target")));
        assertEquals("kept", Files.readString(keeperFile), "the keeper's layer is whole");
        try (Stream<Path> layers = Files.list(root.resolve("store/layers"))) {
            List<String> names = layers.map(p -> p.getFileName().toString()).toList();
            assertTrue(
                    names.stream().noneMatch(x -> x.startsWith(".")),
                    "nothing half-made: " + names);
            assertEquals(1, names.size(), "only the keeper's layer stays: " + names);
        }
        try (Stream<Path> downloads = Files.list(root.resolve("store"))) {
            assertTrue(
                    downloads.noneMatch(p -> p.getFileName().toString().equals(".downloads"))
                            || isEmpty(root.resolve("store/.downloads")),
                    "no download is left");
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /**
     * The same layouts pulled from a registry on the loopback that serves them as they are: what
     * the registry sends reaches the store through the pull's own checks (sizes, digests, the
     * unpacker). Fewer a run than imports: each pull is a few HTTP round trips.
     */
    @Property(tries = 2000, maxDiscardRatio = 10)
    void anyLayoutIsPulledOrRefusedAndNothingLeavesTheStore(
            @ForAll("layers") List<Entry> layer,
            @ForAll boolean gzip,
            @ForAll("cuts") int cut,
            @ForAll boolean lieAboutDiffId)
            throws Exception {
        int n = PULLS.incrementAndGet();
        // the size of this run (FaultSize): past it, tries are discarded, not counted as checked
        net.jqwik.api.Assume.that(n <= PULL_CASES);
        layoutOf(root.resolve("served"), layer, gzip, cut, lieAboutDiffId);
        var ref =
                dev.nana.images.ImageReference.parse("127.0.0.1:" + registryPort + "/fuzz/x:" + n);
        try {
            store.pull(ref, hosts, null);
            PULLED.incrementAndGet();
            store.remove(ref.toString(), _ -> false);
        } catch (NanaException | IOException refused) {
            // refused, with nana's error
        }
        assertNothingLeft();
    }

    @Provide
    Arbitrary<List<Entry>> layers() {
        return entries().list().ofMinSize(0).ofMaxSize(8);
    }

    @Provide
    Arbitrary<Integer> cuts() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 600)));
    }

    // ---- making layouts

    /** A layout in dir (made anew) of one layer of entries, maybe gzipped, maybe cut short. */
    private static Path layoutOf(Path dir, List<Entry> layer, boolean gzip, int cut, boolean lie)
            throws Exception {
        StateDir.deleteTree(dir);
        byte[] tar = tar(layer);
        byte[] blob = gzip ? gzip(tar) : tar;
        if (cut > 0 && cut < blob.length) blob = java.util.Arrays.copyOf(blob, blob.length - cut);
        layout(dir, blob, lie);
        return dir;
    }

    private static byte[] tar(List<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry generated : entries) {
                // a name ending in '/' is a folder to tar: the other kinds have none
                String name = generated.name().replaceAll("/+$", "");
                Entry e =
                        new Entry(
                                generated.kind(), name.isEmpty() ? "x" : name, generated.target());
                TarArchiveEntry t =
                        switch (e.kind()) {
                            case DIR -> new TarArchiveEntry(e.name() + "/");
                            case SYMLINK -> symlinked(e, TarConstants.LF_SYMLINK);
                            case HARDLINK -> symlinked(e, TarConstants.LF_LINK);
                            case CHARDEV -> new TarArchiveEntry(e.name(), TarConstants.LF_CHR);
                            case FIFO -> new TarArchiveEntry(e.name(), TarConstants.LF_FIFO);
                            case WHITEOUT -> new TarArchiveEntry(whiteout(e.name(), e.target()));
                            case OPAQUE -> new TarArchiveEntry(opaque(e.name()));
                            case FILE -> new TarArchiveEntry(e.name());
                        };
                byte[] content =
                        e.kind() == Kind.FILE ? e.target().getBytes(StandardCharsets.UTF_8) : null;
                if (content != null) t.setSize(content.length);
                t.setMode(e.kind() == Kind.DIR ? 040755 : 0644);
                out.putArchiveEntry(t);
                if (content != null) out.write(content);
                out.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static TarArchiveEntry symlinked(Entry e, byte type) {
        TarArchiveEntry t = new TarArchiveEntry(e.name(), type);
        t.setLinkName(e.target());
        return t;
    }

    private static String whiteout(String dir, String name) {
        String base = name.contains("/") ? name.substring(name.lastIndexOf('/') + 1) : name;
        return (dir.endsWith("/") ? dir : dir + "/") + ".wh." + base;
    }

    private static String opaque(String dir) {
        return (dir.endsWith("/") ? dir : dir + "/") + ".wh..wh..opq";
    }

    private static byte[] gzip(byte[] tar) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out)) {
            gz.write(tar);
        }
        return out.toByteArray();
    }

    /** A layout of one image of one layer whose config's diff id is the tar's (or a lie). */
    private static void layout(Path dir, byte[] layer, boolean lie) throws Exception {
        Path blobs = dir.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        String layerDigest = blob(blobs, layer);
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", "amd64").put("os", "linux");
        config.putObject("rootfs")
                .put("type", "layers")
                .putArray("diff_ids")
                .add(lie ? sha256("a lie".getBytes(StandardCharsets.UTF_8)) : sha256(plain(layer)));
        byte[] configBytes = JSON.writeValueAsBytes(config);
        String configDigest = blob(blobs, configBytes);
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.putObject("config")
                .put("mediaType", "application/vnd.oci.image.config.v1+json")
                .put("digest", configDigest)
                .put("size", configBytes.length);
        manifest.putArray("layers")
                .addObject()
                .put("mediaType", "application/vnd.oci.image.layer.v1.tar")
                .put("digest", layerDigest)
                .put("size", layer.length);
        byte[] m = JSON.writeValueAsBytes(manifest);
        String mDigest = blob(blobs, m);
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2)
                .putArray("manifests")
                .addObject()
                .put("mediaType", "application/vnd.oci.image.manifest.v1+json")
                .put("digest", mDigest)
                .put("size", m.length);
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
    }

    /** The tar a layer blob is (its gzip undone, as far as it goes). */
    private static byte[] plain(byte[] layer) {
        if (layer.length < 2 || (layer[0] & 0xff) != 0x1f || (layer[1] & 0xff) != 0x8b)
            return layer;
        try (var in =
                new org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream(
                        new java.io.ByteArrayInputStream(layer))) {
            return in.readAllBytes();
        } catch (IOException cut) {
            return layer; // cut short: any diff id is a lie then
        }
    }

    private static String blob(Path blobs, byte[] bytes) throws Exception {
        String digest = sha256(bytes);
        Files.write(blobs.resolve(digest.substring(7)), bytes);
        return digest;
    }

    private static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
