package dev.nana.it.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nana.cri.v1.ImageServiceGrpc;
import dev.nana.cri.v1.ListImagesRequest;
import dev.nana.cri.v1.VersionRequest;
import dev.nana.it.Baseline;
import dev.nana.it.FaultSize;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.state.StateDir;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Imports are sized before they are read: a 40 MB config, a 40 MB index.json, a blob whose size is
 * not its descriptor's, a docker archive of 150,000 entries — each refused at once, naming what is
 * wrong, with the daemon (32 MiB of heap) serving on and nothing left in the store. And an image
 * whose config rots in the store is left out of ListImages, not the node's every image.
 */
@Tag("fault")
class HostileImportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void oversizedOrLyingImportsAreRefusedAndTheDaemonServesOn() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-hostile-import-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            Baseline baseline = Baseline.of(nana);
            byte[][] layer = OciLayouts.busyboxLayer();

            // a config of 40 MB, its digest right
            Path bigConfig = work.resolve("big-config");
            OciLayouts.layout(bigConfig, layer, "0", "1");
            swapConfig(bigConfig, layer, "x".repeat(40 << 20));
            refused(nana, bigConfig, "1 MiB");

            // an index.json of 40 MB
            Path bigIndex = work.resolve("big-index");
            OciLayouts.layout(bigIndex, layer, "0", "1");
            Files.writeString(
                    bigIndex.resolve("index.json"),
                    "{\"manifests\":[],\"pad\":\"" + "x".repeat(40 << 20) + "\"}");
            refused(nana, bigIndex, "1 MiB");

            // a manifest whose descriptor lies about its size
            Path lying = work.resolve("lying");
            OciLayouts.layout(lying, layer, "0", "1");
            ObjectNode index = (ObjectNode) JSON.readTree(lying.resolve("index.json").toFile());
            ((ObjectNode) index.path("manifests").get(0)).put("size", 10);
            JSON.writeValue(lying.resolve("index.json").toFile(), index);
            refused(nana, lying, "its descriptor says 10");

            // a layer claiming the largest size there is (an image's total once overflowed)
            Path claims = work.resolve("claims");
            OciLayouts.layout(claims, layer, "0", "1");
            ObjectNode claimsIndex =
                    (ObjectNode) JSON.readTree(claims.resolve("index.json").toFile());
            String claimsManifest =
                    claimsIndex.path("manifests").get(0).path("digest").asText().substring(7);
            ObjectNode m =
                    (ObjectNode)
                            JSON.readTree(
                                    claims.resolve("blobs/sha256")
                                            .resolve(claimsManifest)
                                            .toFile());
            ((ObjectNode) m.path("layers").get(0)).put("size", Long.MAX_VALUE);
            byte[] mBytes = JSON.writeValueAsBytes(m);
            ((ObjectNode) claimsIndex.path("manifests").get(0))
                    .put("digest", OciLayouts.blob(claims.resolve("blobs/sha256"), mBytes))
                    .put("size", mBytes.length);
            JSON.writeValue(claims.resolve("index.json").toFile(), claimsIndex);
            refused(nana, claims, "claims a size of " + Long.MAX_VALUE);

            // a docker archive of 150,000 entries
            Path many = work.resolve("many.tar");
            try (TarArchiveOutputStream out =
                    new TarArchiveOutputStream(Files.newOutputStream(many))) {
                for (int i = 0; i < 150_000; i++) {
                    TarArchiveEntry e = new TarArchiveEntry("f" + i);
                    out.putArchiveEntry(e);
                    out.closeArchiveEntry();
                }
            }
            refused(nana, many, "more than 100000 entries");

            assertEquals("", nana.run("image", "ls", "-q").out(), "nothing was stored");
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                String runtime =
                        dev.nana.cri.v1.RuntimeServiceGrpc.newBlockingStub(grpc.channel())
                                .version(VersionRequest.getDefaultInstance())
                                .getRuntimeName();
                assertEquals("nana", runtime, "the CRI answers");
            }
            baseline.stillServes(nana, "oversized and lying imports");
        } finally {
            StateDir.deleteTree(work);
        }
    }

    @Test
    void concurrentImportsOfTheLargestMetadataFitTheHeapOrAreRefused() throws Exception {
        // an index.json and a config of just under the 1 MiB limit, of thousands of small
        // entries (a tree ~3.3 times its text): twelve imports at once once each held their
        // trees through the import; four 4 MiB indexes at once killed the daemon
        int imports = FaultSize.of("largeImports", 12, 24);
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-large-import-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            Baseline baseline = Baseline.of(nana);
            byte[][] layer = OciLayouts.busyboxLayer();
            Path layout = work.resolve("large");
            OciLayouts.layout(layout, layer, "0", "1");
            String configText =
                    Files.readString(
                            layout.resolve("blobs/sha256")
                                    .resolve(configDigestOf(layout).substring(7)));
            ObjectNode config = (ObjectNode) JSON.readTree(configText);
            var history = config.putArray("history");
            while (JSON.writeValueAsBytes(config).length < (1 << 20) - 200)
                history.addObject().put("created_by", "x").put("empty_layer", true);
            swapConfig(layout, layer, JSON.writeValueAsString(config));
            ObjectNode index = (ObjectNode) JSON.readTree(layout.resolve("index.json").toFile());
            var manifests = (com.fasterxml.jackson.databind.node.ArrayNode) index.path("manifests");
            for (int i = 0; JSON.writeValueAsBytes(index).length < (1 << 20) - 200; i++)
                manifests
                        .addObject()
                        .put("mediaType", "application/vnd.oci.image.manifest.v1+json")
                        .put("digest", "sha256:" + "%064x".formatted(i))
                        .put("size", 1);
            JSON.writeValue(layout.resolve("index.json").toFile(), index);

            List<Process> started = new java.util.ArrayList<>();
            for (int i = 0; i < imports; i++)
                started.add(nana.start("image", "import", layout.toString(), "large:" + i));
            int ok = 0;
            for (Process p : started) {
                assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
                String err =
                        new String(
                                p.getErrorStream().readAllBytes(),
                                java.nio.charset.StandardCharsets.UTF_8);
                if (p.exitValue() == 0) ok++;
                else assertTrue(err.contains("try again when some end"), err);
            }
            assertTrue(ok > 0, "at least one import went through");
            baseline.stillServes(nana, imports + " imports of 1 MiB metadata at once");
            assertEquals(
                    1,
                    nana.run("image", "ls", "-q").out().lines().distinct().count(),
                    "one image, whatever number of imports went through");
            System.out.printf(
                    "imports of 1 MiB metadata: %d at once, %d went through%n", imports, ok);
        } finally {
            StateDir.deleteTree(work);
        }
    }

    private static String configDigestOf(Path layout) throws Exception {
        String manifest =
                JSON.readTree(layout.resolve("index.json").toFile())
                        .path("manifests")
                        .get(0)
                        .path("digest")
                        .asText();
        return JSON.readTree(layout.resolve("blobs/sha256").resolve(manifest.substring(7)).toFile())
                .path("config")
                .path("digest")
                .asText();
    }

    @Test
    void anImageWhoseConfigRotsIsLeftOutOfTheListNotTheNodesEveryImage() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-rotten-image-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            byte[][] layer = OciLayouts.busyboxLayer();
            OciLayouts.layout(work.resolve("a"), layer, "0", "1");
            OciLayouts.layout(work.resolve("b"), layer, "1000", "1");
            assertEquals(0, nana.run("image", "import", work.resolve("a").toString(), "a").exit());
            NanaCli.Run b = nana.run("image", "import", work.resolve("b").toString(), "b");
            assertEquals(0, b.exit(), b.err());
            // b's config blob in the store, rotted
            Path config =
                    nana.stateDir
                            .resolve(".images/blobs/sha256")
                            .resolve(b.out().strip().substring(7));
            Files.writeString(config, "{not json");
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                var images = ImageServiceGrpc.newBlockingStub(grpc.channel());
                List<String> tags =
                        images
                                .listImages(ListImagesRequest.getDefaultInstance())
                                .getImagesList()
                                .stream()
                                .flatMap(i -> i.getRepoTagsList().stream())
                                .toList();
                assertEquals(List.of("docker.io/library/a:1"), tags, "b is left out, a is listed");
            }
        } finally {
            StateDir.deleteTree(work);
        }
    }

    @Test
    void anImageRecordThatRotsIsSetAsideAndOnlyItsOwnLayersFreed() throws Exception {
        // once: the image vanished from every list, its layers stayed for good, and RemoveImage
        // of it answered OK having removed nothing
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-rotten-record-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            OciLayouts.layout(work.resolve("a"), OciLayouts.busyboxLayer(), "0", "1");
            byte[][] own =
                    OciLayouts.busyboxLayer(
                            out -> OciLayouts.text(out, "etc/passwd", "root:x:0:0::/:/bin/sh\n"));
            OciLayouts.layout(work.resolve("b"), own, "0", "1");
            OciLayouts.layout(work.resolve("c"), own, "1000", "1");
            for (String name : List.of("a", "b", "c"))
                assertEquals(
                        0, nana.run("image", "import", work.resolve(name).toString(), name).exit());
            String bId = nana.run("image", "ls", "-q").out().lines().toList().get(1);
            Path layers = nana.stateDir.resolve(".images/layers");
            Path ownLayer = layers.resolve(OciLayouts.sha256(own[0]).substring(7));
            assertTrue(Files.isDirectory(ownLayer));
            // c runs from the layer b and c share; then both records rot
            NanaCli.Run user =
                    nana.run(
                            "run", "-d", "--image", "c:1", "user", "--", "busybox", "sleep", "100");
            assertEquals(0, user.exit(), user.err());
            nana.killDaemon();
            for (String id : List.of(bId)) {
                Path record =
                        nana.stateDir.resolve(".images/images").resolve(id.substring(7) + ".json");
                Files.writeString(record, "{not json");
            }
            String cId = null;
            try (var records = Files.list(nana.stateDir.resolve(".images/images"))) {
                for (Path r : records.toList())
                    if (Files.readString(r).contains("c:1"))
                        cId = r.getFileName().toString().replace(".json", "");
            }
            Files.writeString(
                    nana.stateDir.resolve(".images/images").resolve(cId + ".json"), "{\"id\": 7}");
            nana.startDaemon();
            // set aside at the start; the shared layer stays while the container's root uses it
            try (var trash = Files.list(nana.stateDir.resolve(".images/.trash"))) {
                assertEquals(2, trash.count(), "both rotten records set aside");
            }
            assertTrue(Files.isDirectory(ownLayer), "still mounted under \"user\": kept");
            assertEquals(1, nana.run("image", "ls", "-q").out().lines().count(), "a is listed");
            assertEquals(0, nana.run("rm", "-f", "user").exit());
            // the next removal frees what only the rotten records held
            NanaCli.Run rm = nana.run("image", "rm", "a:1");
            assertEquals(0, rm.exit(), rm.err());
            assertFalse(Files.exists(ownLayer), "the rotten images' layer is freed");
            try (var left = Files.list(layers)) {
                assertEquals(List.of(), left.toList(), "no layer is left");
            }
        } finally {
            StateDir.deleteTree(work);
        }
    }

    @Test
    void aRegistryThatDripsItsManifestHoldsUpOnlyItsOwnPull() throws Exception {
        // a registry on the loopback that sends its manifest a byte every second, forever
        com.sun.net.httpserver.HttpServer registry =
                com.sun.net.httpserver.HttpServer.create(
                        new java.net.InetSocketAddress(
                                java.net.InetAddress.getLoopbackAddress(), 0),
                        0);
        registry.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        registry.createContext(
                "/",
                exchange -> {
                    if (exchange.getRequestURI().getPath().equals("/v2/")) {
                        exchange.sendResponseHeaders(200, -1);
                        exchange.close();
                        return;
                    }
                    exchange.getResponseHeaders()
                            .add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
                    exchange.sendResponseHeaders(200, 0);
                    try (OutputStream out = exchange.getResponseBody()) {
                        for (int i = 0; i < 600; i++) {
                            out.write('{');
                            out.flush();
                            Thread.sleep(1000);
                        }
                    } catch (Exception gone) {
                        // the client went away
                    }
                });
        registry.start();
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-drip-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            Baseline.of(nana); // warm: gRPC and the CRI load at the first client
            Process pull =
                    nana.start(
                            "image",
                            "pull",
                            "127.0.0.1:" + registry.getAddress().getPort() + "/drip/x:1");
            // once the pull is under way, an import needs the store: it must not wait for it
            Thread.sleep(2000); // the attack's shape: the manifest is dripping by now
            assertTrue(pull.isAlive(), "the pull is still dripping");
            OciLayouts.layout(work.resolve("a"), OciLayouts.busyboxLayer(), "0", "1");
            NanaCli.Run imported = nana.run("image", "import", work.resolve("a").toString(), "a");
            assertEquals(0, imported.exit(), imported.err());
            assertTrue(pull.isAlive(), "the import finished while the pull still dripped");
            Baseline.answers(nana, "beside a pull whose manifest drips");
            pull.destroyForcibly();
            pull.waitFor();
        } finally {
            registry.stop(0);
            StateDir.deleteTree(work);
        }
    }

    @Test
    void aRegistrysEndlessManifestOrHugeIndexIsCutAtItsLimit() throws Exception {
        // jib reads a manifest whole: an endless one, or an index of 200,000 entries (~12.5 MB),
        // once filled the daemon's heap; the answer is cut at 1 MiB as it arrives, and a gzipped
        // one at 1 MiB of what it unzips to
        Path script = Files.createTempFile("hostile-registry-", ".py");
        try (var in = HostileImportTest.class.getResourceAsStream("hostile-registry.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process registry = new ProcessBuilder("/usr/bin/python3", script.toString()).start();
        String port =
                new java.io.BufferedReader(
                                new java.io.InputStreamReader(
                                        registry.getInputStream(),
                                        java.nio.charset.StandardCharsets.UTF_8))
                        .readLine();
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            Baseline baseline = Baseline.of(nana);
            String host = "127.0.0.1:" + port;
            for (String image :
                    List.of(host + "/endless/x:1", host + "/huge/x:1", host + "/gzipbomb/x:1")) {
                long t0 = System.nanoTime();
                NanaCli.Run pull = nana.run("image", "pull", image);
                long s = (System.nanoTime() - t0) / 1_000_000_000;
                assertEquals(125, pull.exit(), image + ": " + pull.out() + pull.err());
                assertTrue(
                        pull.err().contains("more than 1048576 bytes"), image + ": " + pull.err());
                assertTrue(s < 30, image + ": refused after " + s + " s");
            }
            // a blob is bounded by its descriptor, not by the metadata's bound: a 2 MiB layer
            // that the registry redirects to storage (as large registries do) comes whole
            NanaCli.Run redirected = nana.run("image", "pull", host + "/redirect/x:1");
            assertEquals(0, redirected.exit(), redirected.out() + redirected.err());
            baseline.stillServes(
                    nana, "an endless manifest, a 200,000-entry index and a gzip bomb");
        } finally {
            registry.destroyForcibly();
            Files.deleteIfExists(script);
        }
    }

    private static void refused(NanaCli nana, Path what, String why) throws Exception {
        NanaCli.Run r = nana.run("image", "import", what.toString(), "hostile:1");
        assertEquals(125, r.exit(), what + ": " + r.out() + r.err());
        assertTrue(r.err().contains(why), what + ": " + r.err());
    }

    /** Puts a config of that text in the layout, with a manifest and index that name it right. */
    private static void swapConfig(Path dir, byte[][] layer, String text) throws Exception {
        Path blobs = dir.resolve("blobs/sha256");
        byte[] config = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String configDigest = OciLayouts.blob(blobs, config);
        byte[] m =
                OciLayouts.manifest(
                        configDigest, config.length, OciLayouts.sha256(layer[1]), layer[1]);
        String mDigest = OciLayouts.blob(blobs, m);
        ObjectNode index = (ObjectNode) JSON.readTree(dir.resolve("index.json").toFile());
        ((ObjectNode) index.path("manifests").get(0)).put("digest", mDigest).put("size", m.length);
        try (OutputStream out = Files.newOutputStream(dir.resolve("index.json"))) {
            JSON.writeValue(out, index);
        }
    }
}
