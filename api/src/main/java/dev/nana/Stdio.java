package dev.nana;

import java.nio.file.Path;

/**
 * Where a container's stdio goes: FIFO paths the client made (or null for none), as with containerd
 * 0.2. The shim opens them without blocking; output always goes to the container's log as well, so
 * a missing or slow reader never blocks the container.
 *
 * @param stdin the FIFO the process reads, or null
 * @param stdout the FIFO its stdout goes to, or null
 * @param stderr the FIFO its stderr goes to, or null
 */
public record Stdio(Path stdin, Path stdout, Path stderr) {
    public static final Stdio NONE = new Stdio(null, null, null);
}
