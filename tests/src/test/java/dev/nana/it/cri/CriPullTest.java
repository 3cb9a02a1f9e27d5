package dev.nana.it.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.cri.v1.AuthConfig;
import dev.nana.cri.v1.Image;
import dev.nana.cri.v1.ImageServiceGrpc;
import dev.nana.cri.v1.ImageServiceGrpc.ImageServiceBlockingStub;
import dev.nana.cri.v1.ImageSpec;
import dev.nana.cri.v1.ImageStatusRequest;
import dev.nana.cri.v1.ListImagesRequest;
import dev.nana.cri.v1.PullImageRequest;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.state.StateDir;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Images pulled from a real registry (Debian's docker-registry on the loopback, images pushed by
 * skopeo) through the CRI's PullImage and nana image pull: by tag and by digest, through the mirror
 * table, an index's linux/amd64 image, and a registry that is down, lacks the image or serves a
 * corrupt layer, which leave nothing behind.
 */
class CriPullTest {
    private static Image status(ImageServiceBlockingStub images, String ref) {
        var r =
                images.imageStatus(
                        ImageStatusRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(ref))
                                .build());
        return r.hasImage() ? r.getImage() : null;
    }

    private static String pull(ImageServiceBlockingStub images, String ref) {
        return images.pullImage(
                        PullImageRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(ref))
                                .build())
                .getImageRef();
    }

    private static StatusRuntimeException pullFails(
            ImageServiceBlockingStub images, String ref, Status.Code code) {
        StatusRuntimeException e =
                assertThrows(StatusRuntimeException.class, () -> pull(images, ref));
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        return e;
    }

    /** What the store holds besides finished layers: a pull that failed must leave nothing. */
    private static List<String> leftovers(NanaCli nana) throws Exception {
        Path layers = nana.stateDir.resolve(".images/layers");
        if (!Files.isDirectory(layers)) return List.of();
        try (Stream<Path> s = Files.list(layers)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
        }
    }

    @Test
    void imagesArePulledByTagAndDigestThroughTheMirrorTable() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-pull-");
        try (LocalRegistry registry = LocalRegistry.start();
                NanaCli nana = new NanaCli()) {
            byte[][] layer = OciLayouts.busyboxLayer();
            String manifest = OciLayouts.layout(work.resolve("busybox"), layer, "1000", "1.36");
            String[] multi = OciLayouts.multiPlatform(work.resolve("multi"), layer, "1");
            registry.push(work.resolve("busybox"), "1.36", "library/busybox", "1.36");
            registry.push(work.resolve("busybox"), "1.36", "pause", "3.9");
            registry.push(work.resolve("multi"), "1", "multi", "1");
            Path hosts = registry.mirrorFor(work.resolve("hosts"), "docker.io");
            registry.mirrorFor(hosts, "registry.k8s.io");
            nana.startDaemon("--registry-config", hosts.toString());

            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                ImageServiceBlockingStub images = ImageServiceGrpc.newBlockingStub(grpc.channel());
                // docker.io through its mirror, by tag
                String id = pull(images, "busybox:1.36");
                assertTrue(id.startsWith("sha256:"), id);
                Image busybox = status(images, "busybox:1.36");
                assertEquals(id, busybox.getId());
                assertEquals(List.of("docker.io/library/busybox:1.36"), busybox.getRepoTagsList());
                assertEquals(
                        List.of("docker.io/library/busybox@" + manifest),
                        busybox.getRepoDigestsList());
                assertEquals(1000, busybox.getUid().getValue(), "the user of the image config");

                // by digest: the same image, no new tag
                assertEquals(id, pull(images, "docker.io/library/busybox@" + manifest));
                assertEquals(
                        List.of("docker.io/library/busybox:1.36"),
                        status(images, id).getRepoTagsList());

                // registry.k8s.io through the same table; the layer is in the store already
                assertEquals(id, pull(images, "registry.k8s.io/pause:3.9"));
                assertEquals(
                        List.of("docker.io/library/busybox:1.36", "registry.k8s.io/pause:3.9"),
                        status(images, id).getRepoTagsList());
                try (Stream<Path> s = Files.list(nana.stateDir.resolve(".images/layers"))) {
                    assertEquals(1, s.count(), "one layer, unpacked once");
                }

                // the registry itself on the loopback, plain HTTP; an index: its linux/amd64 image
                String multiRef = registry.address + "/multi:1";
                assertEquals(multi[1], pull(images, multiRef));
                Image m = status(images, multiRef);
                assertEquals(1000, m.getUid().getValue(), "the amd64 image's config");
                assertEquals(
                        List.of(registry.address + "/multi@" + multi[0]),
                        m.getRepoDigestsList(),
                        "the digest the image is pulled by: the index's");

                // the CLI, through the daemon, pulls with the daemon's mirror table
                NanaCli.Run viaDaemon = nana.run("image", "pull", "busybox:1.36");
                assertEquals(0, viaDaemon.exit(), viaDaemon.err());
                assertEquals(id, viaDaemon.out().strip());

                // and with one of its own, into the same store
                NanaCli.Run cli =
                        nana.run(
                                "image",
                                "pull",
                                "--registry-config",
                                hosts.toString(),
                                registry.address + "/library/busybox:1.36");
                assertEquals(0, cli.exit(), cli.err());
                assertEquals(id, cli.out().strip());
                assertEquals(
                        2,
                        images.listImages(ListImagesRequest.getDefaultInstance()).getImagesCount());
            }
        } finally {
            StateDir.deleteTree(work);
        }
    }

    @Test
    void aPullThatCannotBeDoneSaysWhyAndLeavesNothing() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-pull-");
        try (LocalRegistry registry = LocalRegistry.start();
                NanaCli nana = new NanaCli()) {
            byte[][] layer = OciLayouts.busyboxLayer();
            OciLayouts.layout(work.resolve("busybox"), layer, "1000", "1.36");
            registry.push(work.resolve("busybox"), "1.36", "corrupt", "1");
            registry.mirrorFor(work.resolve("hosts"), "unresolvable.invalid");
            nana.startDaemon("--registry-config", work.resolve("hosts").toString());

            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                ImageServiceBlockingStub images = ImageServiceGrpc.newBlockingStub(grpc.channel());
                String missing = registry.address + "/nothing:1";
                String notFound =
                        pullFails(images, missing, Status.Code.NOT_FOUND)
                                .getStatus()
                                .getDescription();
                assertTrue(notFound.contains(missing), notFound);

                String malformed =
                        pullFails(images, "Bad//Ref", Status.Code.INVALID_ARGUMENT)
                                .getStatus()
                                .getDescription();
                assertTrue(malformed.contains("Bad//Ref"), malformed);

                String down = "127.0.0.1:" + LocalRegistry.freePort() + "/busybox:1";
                String unavailable =
                        pullFails(images, down, Status.Code.UNAVAILABLE)
                                .getStatus()
                                .getDescription();
                assertTrue(
                        unavailable.contains("cannot be pulled")
                                && unavailable.contains("hosts.toml"),
                        unavailable);

                // a mirror without the image, then a registry whose name does not resolve:
                // each said, at once (no retries with back-off: bench/pull times it)
                String nowhere = "unresolvable.invalid/busybox:1";
                String neither =
                        pullFails(images, nowhere, Status.Code.UNAVAILABLE)
                                .getStatus()
                                .getDescription();
                assertTrue(
                        neither.contains("mirror " + registry.address + " has no " + nowhere)
                                && neither.contains("registry unresolvable.invalid"),
                        neither);

                // the registry serves a layer whose bytes are not its digest's
                Path blob = registry.blobFile(OciLayouts.sha256(layer[1]));
                byte[] bytes = Files.readAllBytes(blob);
                bytes[bytes.length / 2] ^= 1;
                Files.write(blob, bytes);
                String corrupt =
                        pullFails(images, registry.address + "/corrupt:1", Status.Code.UNAVAILABLE)
                                .getStatus()
                                .getDescription();
                assertTrue(corrupt.contains("corrupt"), corrupt);

                assertEquals(
                        0,
                        images.listImages(ListImagesRequest.getDefaultInstance()).getImagesCount());
                assertEquals(List.of(), leftovers(nana), "no half-unpacked layer or download");
            }
        } finally {
            StateDir.deleteTree(work);
        }
    }

    @Test
    void aRegistryThatAsksForCredentialsGetsThem() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-pull-");
        try (LocalRegistry registry = LocalRegistry.start("nana", "s3cret");
                NanaCli nana = new NanaCli()) {
            OciLayouts.layout(work.resolve("busybox"), OciLayouts.busyboxLayer(), "1000", "1.36");
            registry.push(work.resolve("busybox"), "1.36", "private/busybox", "1");
            nana.startDaemon();
            String ref = registry.address + "/private/busybox:1";
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"))) {
                ImageServiceBlockingStub images = ImageServiceGrpc.newBlockingStub(grpc.channel());
                String refused =
                        pullFails(images, ref, Status.Code.FAILED_PRECONDITION)
                                .getStatus()
                                .getDescription();
                assertTrue(refused.contains("credentials"), refused);
                StatusRuntimeException wrong =
                        assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        images.pullImage(
                                                PullImageRequest.newBuilder()
                                                        .setImage(
                                                                ImageSpec.newBuilder()
                                                                        .setImage(ref))
                                                        .setAuth(
                                                                AuthConfig.newBuilder()
                                                                        .setUsername("nana")
                                                                        .setPassword("wrong"))
                                                        .build()));
                assertEquals(Status.Code.FAILED_PRECONDITION, wrong.getStatus().getCode());

                String id =
                        images.pullImage(
                                        PullImageRequest.newBuilder()
                                                .setImage(ImageSpec.newBuilder().setImage(ref))
                                                .setAuth(
                                                        AuthConfig.newBuilder()
                                                                .setUsername("nana")
                                                                .setPassword("s3cret"))
                                                .build())
                                .getImageRef();
                assertTrue(id.startsWith("sha256:"), id);
                // the auth field: base64 of USER:PASSWORD, as a docker config.json has it
                String auth =
                        java.util.Base64.getEncoder()
                                .encodeToString(
                                        "nana:s3cret"
                                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                assertEquals(
                        id,
                        images.pullImage(
                                        PullImageRequest.newBuilder()
                                                .setImage(ImageSpec.newBuilder().setImage(ref))
                                                .setAuth(AuthConfig.newBuilder().setAuth(auth))
                                                .build())
                                .getImageRef());
            }
            NanaCli.Run cli = nana.run("image", "pull", "--creds", "nana:s3cret", ref);
            assertEquals(0, cli.exit(), cli.err());
        } finally {
            StateDir.deleteTree(work);
        }
    }
}
