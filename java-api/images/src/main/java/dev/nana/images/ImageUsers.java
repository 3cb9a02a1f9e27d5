package dev.nana.images;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Containers of a part of nana above the image store that run from its images (the CRI's pods),
 * found through {@link java.util.ServiceLoader}: an image one of them runs from is not removed,
 * whichever process (the daemon, or a CLI beside it) asks.
 */
public interface ImageUsers {
    /**
     * Whether one of these containers runs from the image, read from the disk.
     *
     * @param imageId the image's id (its config's digest)
     * @param stateDir the supervisor's state directory
     * @return whether one does
     * @throws IOException when their records cannot be read
     */
    boolean uses(String imageId, Path stateDir) throws IOException;
}
