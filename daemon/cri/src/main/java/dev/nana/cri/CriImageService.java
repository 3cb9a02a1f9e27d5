package dev.nana.cri;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nana.InvalidArgumentException;
import dev.nana.cri.v1.AuthConfig;
import dev.nana.cri.v1.FilesystemIdentifier;
import dev.nana.cri.v1.FilesystemUsage;
import dev.nana.cri.v1.Image;
import dev.nana.cri.v1.ImageFsInfoRequest;
import dev.nana.cri.v1.ImageFsInfoResponse;
import dev.nana.cri.v1.ImageServiceGrpc;
import dev.nana.cri.v1.ImageSpec;
import dev.nana.cri.v1.ImageStatusRequest;
import dev.nana.cri.v1.ImageStatusResponse;
import dev.nana.cri.v1.Int64Value;
import dev.nana.cri.v1.ListImagesRequest;
import dev.nana.cri.v1.ListImagesResponse;
import dev.nana.cri.v1.PullImageRequest;
import dev.nana.cri.v1.PullImageResponse;
import dev.nana.cri.v1.RemoveImageRequest;
import dev.nana.cri.v1.RemoveImageResponse;
import dev.nana.cri.v1.UInt64Value;
import dev.nana.images.Credentials;
import dev.nana.images.ImageRecord;
import dev.nana.images.ImageReference;
import dev.nana.images.ImageStore;
import dev.nana.images.RegistryHosts;
import dev.nana.images.StoreImageBundles;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;

/**
 * CRI's runtime.v1.ImageService over nana's {@link ImageStore}: images come in by PullImage from a
 * registry (or its mirror), or by {@code nana image import}.
 */
public final class CriImageService extends ImageServiceGrpc.ImageServiceImplBase {
    private static final org.slf4j.Logger log =
            org.slf4j.LoggerFactory.getLogger(CriImageService.class);

    private final ImageStore store;
    private final ImageStore.InUse inUse;
    private final RegistryHosts hosts;

    /**
     * Serves store; the CRI's containers (records under criRoot) keep their images, and pulls go
     * where the hosts table says.
     */
    public CriImageService(ImageStore store, Path criRoot, RegistryHosts hosts) {
        this.store = store;
        this.hosts = hosts;
        this.inUse = inUseBy(criRoot);
    }

    /**
     * An image is in use while a CRI container (its record under criRoot) or a nana container (a
     * folder of the state directory, criRoot's parent) runs from it.
     */
    public static ImageStore.InUse inUseBy(Path criRoot) {
        StoreImageBundles bundles = new StoreImageBundles();
        return image -> bundles.inUse(image.id(), criRoot.getParent());
    }

    @Override
    public void listImages(ListImagesRequest r, StreamObserver<ListImagesResponse> out) {
        CriReplies.reply(
                out,
                () -> {
                    ListImagesResponse.Builder b = ListImagesResponse.newBuilder();
                    String only = r.getFilter().getImage().getImage();
                    if (!only.isEmpty()) {
                        ImageRecord i = store.find(only);
                        if (i != null) readable(i).ifPresent(b::addImages);
                        return b.build();
                    }
                    for (ImageRecord i : store.list()) readable(i).ifPresent(b::addImages);
                    return b.build();
                });
    }

    @Override
    public void imageStatus(ImageStatusRequest r, StreamObserver<ImageStatusResponse> out) {
        CriReplies.reply(
                out,
                () -> {
                    ImageRecord i = store.find(r.getImage().getImage());
                    ImageStatusResponse.Builder b = ImageStatusResponse.newBuilder();
                    var image = i == null ? java.util.Optional.<Image>empty() : readable(i);
                    if (image.isEmpty()) return b.build(); // not there (or broken): no image
                    b.setImage(image.get());
                    if (r.getVerbose()) b.putInfo("info", store.config(i, JsonNode::toString));
                    return b.build();
                });
    }

    @Override
    public void removeImage(RemoveImageRequest r, StreamObserver<RemoveImageResponse> out) {
        CriReplies.reply(
                out,
                () -> {
                    store.remove(r.getImage().getImage(), inUse);
                    return RemoveImageResponse.getDefaultInstance();
                });
    }

    @Override
    public void imageFsInfo(ImageFsInfoRequest r, StreamObserver<ImageFsInfoResponse> out) {
        CriReplies.reply(
                out,
                () -> {
                    long[] usage = store.usage();
                    Instant now = Instant.now();
                    return ImageFsInfoResponse.newBuilder()
                            .addImageFilesystems(
                                    FilesystemUsage.newBuilder()
                                            .setTimestamp(CriReplies.nanos(now))
                                            .setFsId(
                                                    FilesystemIdentifier.newBuilder()
                                                            .setMountpoint(store.root().toString()))
                                            .setUsedBytes(
                                                    UInt64Value.newBuilder().setValue(usage[0]))
                                            .setInodesUsed(
                                                    UInt64Value.newBuilder().setValue(usage[1])))
                            .build();
                });
    }

    @Override
    public void pullImage(PullImageRequest r, StreamObserver<PullImageResponse> out) {
        CriReplies.reply(
                out,
                () -> {
                    ImageReference ref = ImageReference.parse(r.getImage().getImage());
                    ImageRecord i = store.pull(ref, hosts, credential(r.getAuth()));
                    return PullImageResponse.newBuilder().setImageRef(i.id()).build();
                });
    }

    /** The registry credential the kubelet passes, or null for none. */
    static Credentials credential(AuthConfig auth) {
        if (!auth.getRegistryToken().isEmpty())
            throw new InvalidArgumentException(
                    "a registry_token is not supported by nana's registry client: give the user name and password, or an identity_token");
        if (!auth.getIdentityToken().isEmpty())
            return Credentials.identityToken(auth.getIdentityToken());
        if (!auth.getUsername().isEmpty())
            return new Credentials(auth.getUsername(), auth.getPassword());
        if (!auth.getAuth().isEmpty()) {
            String pair;
            try {
                pair =
                        new String(
                                Base64.getDecoder().decode(auth.getAuth()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException(
                        "the auth of the pull is not base64 of USER:PASSWORD");
            }
            return Credentials.userPassword(pair, "the auth of the pull");
        }
        return null;
    }

    /**
     * The CRI's view of an image, or empty (logged) for one whose config cannot be read: one broken
     * image must not fail ListImages for the whole node.
     */
    private java.util.Optional<Image> readable(ImageRecord i) {
        try {
            return java.util.Optional.of(image(i));
        } catch (IOException | RuntimeException e) {
            log.warn("image {} is left out: its config cannot be read: {}", i.id(), e.toString());
            return java.util.Optional.empty();
        }
    }

    private Image image(ImageRecord i) throws IOException {
        Image.Builder b =
                Image.newBuilder()
                        .setId(i.id())
                        .addAllRepoTags(i.repoTags())
                        .addAllRepoDigests(i.repoDigests())
                        .setSize(i.size())
                        .setSpec(ImageSpec.newBuilder().setImage(i.id()));
        // the config's user: "1000", "1000:1000", "app" or "app:group"
        String user = store.config(i, config -> config.path("config").path("User").asText(""));
        String name = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
        if (name.matches("\\d{1,10}"))
            b.setUid(Int64Value.newBuilder().setValue(Long.parseLong(name)));
        else if (!name.isEmpty()) b.setUsername(name);
        else b.setUid(Int64Value.newBuilder().setValue(0));
        return b.build();
    }
}
