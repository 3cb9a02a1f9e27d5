package dev.nana;

import java.nio.file.Path;

/**
 * Where a container's stdio goes: FIFO paths the client made (or null for none), as with containerd
 * 0.2. The shim opens them without blocking. A stdout or stderr FIFO whose read end the client
 * opened before the container starts is an attached reader: it gets every byte, and while it is
 * behind the container's writes wait (as with a pipe); once it closes, the container's output goes
 * to its log alone and never waits again. One opened later gets what fits while it reads. Output
 * always goes to the container's log as well.
 *
 * @param stdin the FIFO the process reads, or null
 * @param stdout the FIFO its stdout goes to, or null
 * @param stderr the FIFO its stderr goes to, or null
 */
public record Stdio(Path stdin, Path stdout, Path stderr) {
    public static final Stdio NONE = new Stdio(null, null, null);
}
