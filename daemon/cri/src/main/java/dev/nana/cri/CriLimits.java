package dev.nana.cri;

import dev.nana.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What a CRI request may carry into a record nana keeps: labels and annotations are bounded (as
 * Kubernetes bounds a pod's annotations to 256 KiB), so that no record is written that could not be
 * read back (a state file is read up to 1 MiB) and no request fills the daemon's heap. A request
 * over a bound is refused, naming it, before anything is made.
 */
final class CriLimits {
    /** Labels and annotations of one pod or container, in all, at most. */
    static final int MAX_ENTRIES = 1024;

    /** Their keys and values together, in UTF-8 bytes, at most. */
    static final int MAX_BYTES = 256 * 1024;

    private CriLimits() {}

    static void check(String what, Map<String, String> labels, Map<String, String> annotations) {
        int entries = labels.size() + annotations.size();
        if (entries > MAX_ENTRIES) {
            throw new InvalidArgumentException(
                    what
                            + " has "
                            + entries
                            + " labels and annotations: at most "
                            + MAX_ENTRIES
                            + " are kept");
        }
        long bytes = bytes(labels) + bytes(annotations);
        if (bytes > MAX_BYTES) {
            throw new InvalidArgumentException(
                    what
                            + "'s labels and annotations are "
                            + bytes
                            + " bytes: at most "
                            + MAX_BYTES
                            + " are kept");
        }
    }

    private static long bytes(Map<String, String> m) {
        long n = 0;
        for (var e : m.entrySet())
            n +=
                    e.getKey().getBytes(StandardCharsets.UTF_8).length
                            + e.getValue().getBytes(StandardCharsets.UTF_8).length;
        return n;
    }
}
