package dev.nana.cri;

import java.util.List;
import java.util.Map;

/**
 * What nana keeps of a CRI container besides the nana container of the same id, in its folder's
 * container.json: what CRI's status and list answers need after any restart.
 *
 * @param sandboxId the pod sandbox it belongs to
 * @param image the image as the request named it
 * @param imageId the image's id (its config's digest)
 * @param imageRef the image's digest reference, or its id when it has none
 * @param logPath where the kubelet asked for its log (the sandbox's log directory and the
 *     container's log path)
 * @param createdAtNanos when CreateContainer was called, in nanoseconds since the epoch
 * @param mounts the host paths mounted into it
 */
public record CriContainerRecord(
        String id,
        String sandboxId,
        String name,
        int attempt,
        String image,
        String imageId,
        String imageRef,
        Map<String, String> labels,
        Map<String, String> annotations,
        String logPath,
        long createdAtNanos,
        List<MountRecord> mounts) {
    /**
     * A host path mounted into the container ({@code propagation} is a MountPropagation number).
     */
    public record MountRecord(
            String containerPath, String hostPath, boolean readonly, int propagation) {}
}
