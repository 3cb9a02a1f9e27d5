package dev.nana;

import java.time.Instant;

/**
 * How a container's process ended.
 *
 * @param code exit code, or 128 + signal (137 for SIGKILL)
 * @param exitedAt when nana learned of the exit
 * @param oomKilled whether the kernel OOM-killed a process of the container
 * @param derived true when the shim died before recording the status and nana derived it: 137 when
 *     nana killed the orphaned process, 255 when it was gone or its pid reused
 */
public record ExitStatus(int code, Instant exitedAt, boolean oomKilled, boolean derived) {}
