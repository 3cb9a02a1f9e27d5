package dev.nana.spi;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Makes bundles of images, for specs that name an image instead of a bundle: the image store's side
 * of {@link dev.nana.ContainerSpec#image()}, found by the in-process supervisor through {@link
 * java.util.ServiceLoader} (nana-cri provides it).
 */
public interface ImageBundles {
    /**
     * Checks that the image is in the store under stateDir; touches nothing.
     *
     * @param image a name, digest reference or id
     * @param stateDir the supervisor's state directory
     * @throws dev.nana.NotFoundException naming the image and how to get it
     */
    void check(String image, Path stateDir);

    /**
     * Makes a container's bundle in a new folder inside the container's: the image's layers mounted
     * on rootfs as an overlay with an upper folder of its own, and config.json with the image's
     * process. The supervisor removes it with the container's folder, unmounting it first.
     *
     * @param image a name, digest reference or id
     * @param stateDir the supervisor's state directory
     * @param bundle the folder to make the bundle in
     */
    void prepare(String image, Path stateDir, Path bundle);

    /**
     * Whether a container under stateDir runs from the image of this id: a nana container made from
     * it, or a CRI container. An image in use is not removed.
     *
     * @param imageId the image's id (its config's digest)
     * @param stateDir the supervisor's state directory
     * @return whether one does
     * @throws IOException when the containers' records cannot be read
     */
    boolean inUse(String imageId, Path stateDir) throws IOException;
}
