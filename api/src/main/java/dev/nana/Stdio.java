package dev.nana;

import java.nio.file.Path;

/**
 * Where a container's stdio goes: FIFO paths the client made (or null for none), as with containerd
 * 0.2. The shim opens them without blocking; output always goes to the container's log as well, so
 * a missing or slow reader never blocks the container.
 */
public record Stdio(Path stdin, Path stdout, Path stderr) {
    public static final Stdio NONE = new Stdio(null, null, null);
}
