package dev.nana;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What nana takes at most, the same on every path (the Java API, gRPC, the thin client, a state
 * file read back by restore), checked before anything is kept. docs/SECURITY.md lists them with the
 * thin client's own.
 */
public final class Limits {
    /** Labels on one container, at most. */
    public static final int MAX_LABELS = 64;

    /** One label's key and value together, in UTF-8 bytes (as containerd's limit). */
    public static final int MAX_LABEL_BYTES = 4096;

    /** All of one container's labels together, in UTF-8 bytes. */
    public static final int MAX_LABELS_BYTES = 16 * 1024;

    /** A state file nana reads back (state.json, reported, process.json), in bytes. */
    public static final long MAX_STATE_FILE_BYTES = 1 << 20;

    private Limits() {}

    /**
     * Refuses labels over the limits, naming the label and the limit.
     *
     * @param id the id
     * @param labels the labels
     */
    public static void checkLabels(String id, Map<String, String> labels) {
        if (labels.size() > MAX_LABELS) {
            throw new InvalidArgumentException(
                    "container \""
                            + id
                            + "\" has "
                            + labels.size()
                            + " labels: at most "
                            + MAX_LABELS
                            + " are kept");
        }
        int total = 0;
        for (var e : labels.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) {
                throw new InvalidArgumentException(
                        "container \"" + id + "\": a label has an empty key");
            }
            int bytes =
                    e.getKey().getBytes(StandardCharsets.UTF_8).length
                            + (e.getValue() == null
                                    ? 0
                                    : e.getValue().getBytes(StandardCharsets.UTF_8).length);
            if (bytes > MAX_LABEL_BYTES) {
                throw new InvalidArgumentException(
                        "container \""
                                + id
                                + "\": label \""
                                + shortKey(e.getKey())
                                + "\" is "
                                + bytes
                                + " bytes with its value: at most "
                                + MAX_LABEL_BYTES
                                + " a label");
            }
            total += bytes;
        }
        if (total > MAX_LABELS_BYTES) {
            throw new InvalidArgumentException(
                    "container \""
                            + id
                            + "\": its labels are "
                            + total
                            + " bytes together: at most "
                            + MAX_LABELS_BYTES);
        }
    }

    private static String shortKey(String key) {
        return key.length() <= 64 ? key : key.substring(0, 64) + "…";
    }
}
