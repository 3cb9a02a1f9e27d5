package dev.nana;

import java.time.Instant;

/**
 * A container's resource use, read from its cgroup (v1 or v2) at one moment.
 *
 * @param id the container
 * @param time when it was read
 * @param cpuNanos CPU time used, in nanoseconds
 * @param memoryBytes memory in use
 * @param memoryLimitBytes its memory limit (Long.MAX_VALUE when none)
 * @param memoryCacheBytes of which page cache
 * @param oomKills OOM kills in its cgroup
 * @param pids processes in it
 * @param pidsLimit their limit (-1 when none)
 * @param blockReadBytes bytes read from block devices
 * @param blockWriteBytes bytes written to block devices
 */
public record Stats(
        String id,
        Instant time,
        long cpuNanos,
        long memoryBytes,
        long memoryLimitBytes,
        long memoryCacheBytes,
        long oomKills,
        long pids,
        long pidsLimit,
        long blockReadBytes,
        long blockWriteBytes) {}
