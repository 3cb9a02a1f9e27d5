package dev.nana.images;

import dev.nana.UnavailableException;
import dev.nana.spi.ImageBundles;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;

/**
 * Bundles of images for nana's own containers ({@code nana run --image}, {@link
 * dev.nana.ContainerSpec#fromImage}): the root filesystem mounted as the CRI's containers have it
 * (an overlay of the stored layers and an upper folder of the container's own), and the config of
 * the image's process in namespaces of its own ({@link ImageProcess#spec}). The in-process
 * supervisor finds it through {@link ServiceLoader}: nana-images on the class or module path is all
 * that {@code ContainerSpec.fromImage} needs.
 */
public final class StoreImageBundles implements ImageBundles {
    /** The image store's bundles (ServiceLoader's constructor). */
    public StoreImageBundles() {}

    /** The file, in a bundle made from an image, that names the image's id. */
    static final String IMAGE_ID = "image-id";

    @Override
    public void check(String image, Path stateDir) {
        find(image, stateDir);
    }

    private static ImageRecord find(String image, Path stateDir) {
        try {
            ImageRecord r = store(stateDir).find(image);
            if (r == null) throw ImageStore.notFound(image);
            return r;
        } catch (IOException e) {
            throw new UnavailableException(
                    "read nana's image store in " + stateDir + ": " + e.getMessage(), e);
        }
    }

    private static ImageStore store(Path stateDir) {
        return ImageStore.open(stateDir.resolve(ImageStore.FOLDER));
    }

    @Override
    public void prepare(String image, Path stateDir, Path bundle) {
        ImageRecord r = find(image, stateDir);
        ImageStore store = store(stateDir);
        Path rootfs = bundle.resolve("rootfs");
        try {
            RootFs.mount(store, r, bundle, rootfs);
            try {
                String id = bundle.getParent().getFileName().toString();
                StateFiles.writeBytes(
                        bundle.resolve("config.json"),
                        store.config(r, config -> ImageProcess.spec(config, rootfs, id)).toJson());
                StateFiles.writeBytes(
                        bundle.resolve(IMAGE_ID), r.id().getBytes(StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                RootFs.unmount(rootfs);
                throw e;
            }
        } catch (IOException e) {
            throw new UnavailableException(
                    "make the bundle of image " + image + " in " + bundle + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * Whether a nana container (a folder of the state directory) runs from the image, or a
     * container of another part of nana's ({@link ImageUsers}: the CRI's).
     */
    @Override
    public boolean inUse(String imageId, Path stateDir) throws IOException {
        if (usesImage(stateDir, imageId)) return true;
        for (ImageUsers users :
                ServiceLoader.load(ImageUsers.class, ImageUsers.class.getClassLoader()))
            if (users.uses(imageId, stateDir)) return true;
        return false;
    }

    private static boolean usesImage(Path stateDir, String imageId) throws IOException {
        if (!Files.isDirectory(stateDir)) return false;
        try (var s = Files.list(stateDir)) {
            for (Path dir : s.toList()) {
                Path file = dir.resolve("image").resolve(IMAGE_ID);
                if (Files.isRegularFile(file)
                        && Files.readString(file, StandardCharsets.UTF_8).equals(imageId))
                    return true;
            }
        }
        return false;
    }
}
