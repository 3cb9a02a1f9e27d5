package dev.nana.images;

import java.util.List;

/**
 * An image in nana's store ({@code images/HEX.json}).
 *
 * @param id the digest of the image's config
 * @param repoTags its names, in full ({@code docker.io/library/busybox:1.36})
 * @param repoDigests the manifests it came as ({@code docker.io/library/busybox@sha256:...})
 * @param size the bytes of its config and compressed layers, as a registry counts them
 * @param diffIds its layers, lowest first
 * @param created when the store first had it (ISO-8601)
 */
public record ImageRecord(
        String id,
        List<String> repoTags,
        List<String> repoDigests,
        long size,
        List<String> diffIds,
        String created) {
    /** A record read back is whole, or is not read: nothing later meets a null. */
    public ImageRecord {
        if (id == null || !id.matches("sha256:[0-9a-f]{64}"))
            throw new IllegalArgumentException("id " + id + " is not a sha256 digest");
        if (repoTags == null || repoDigests == null || diffIds == null || created == null)
            throw new IllegalArgumentException("a field is missing");
        for (String d : diffIds)
            if (d == null || !d.matches("sha256:[0-9a-f]{64}"))
                throw new IllegalArgumentException("diff id " + d + " is not a sha256 digest");
        if (size < 0) throw new IllegalArgumentException("size " + size + " is negative");
    }

    ImageRecord withTags(List<String> tags) {
        return new ImageRecord(id, List.copyOf(tags), repoDigests, size, diffIds, created);
    }
}
