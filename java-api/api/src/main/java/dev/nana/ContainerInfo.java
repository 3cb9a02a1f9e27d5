package dev.nana;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * A container as the supervisor sees it now: an immutable snapshot.
 *
 * @param id the container id
 * @param status where it is in its life
 * @param pid its init process's pid (0 when it has none)
 * @param bundle the user's bundle
 * @param runtime the runtime name or path it was created with
 * @param labels its labels
 * @param createdAt when nana created it
 * @param exit how it ended, when it is stopped (else null)
 * @param oomKills OOM kills seen in its memory cgroup
 */
public record ContainerInfo(
        String id,
        ContainerStatus status,
        int pid,
        Path bundle,
        String runtime,
        Map<String, String> labels,
        Instant createdAt,
        ExitStatus exit,
        int oomKills) {}
