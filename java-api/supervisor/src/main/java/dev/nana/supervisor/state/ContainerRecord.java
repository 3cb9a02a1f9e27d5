package dev.nana.supervisor.state;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * state.json: what nana must know of a container to restore it with no other memory.
 *
 * @param id the container id
 * @param uid unique per created container: an id reused after a delete has another uid
 * @param bundle the user's bundle
 * @param runtime the runtime as asked for (name or path)
 * @param runtimeBinary the runtime binary it resolved to
 * @param runtimeArgs per-container global runtime args
 * @param labels the container's labels
 * @param createdAt when nana created it
 */
public record ContainerRecord(
        String id,
        String uid,
        Path bundle,
        String runtime,
        Path runtimeBinary,
        List<String> runtimeArgs,
        Map<String, String> labels,
        Instant createdAt) {
    public ContainerRecord {
        runtimeArgs = runtimeArgs == null ? List.of() : List.copyOf(runtimeArgs);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
