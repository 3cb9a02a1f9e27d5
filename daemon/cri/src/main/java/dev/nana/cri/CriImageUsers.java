package dev.nana.cri;

import dev.nana.images.ImageUsers;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.nio.file.Path;

/** The CRI's containers, to the image store: an image a pod's container runs from stays. */
public final class CriImageUsers implements ImageUsers {
    /** ServiceLoader's constructor. */
    public CriImageUsers() {}

    @Override
    public boolean uses(String imageId, Path stateDir) throws IOException {
        return PodContainers.usesImage(stateDir.resolve(StateDir.CRI), imageId);
    }
}
