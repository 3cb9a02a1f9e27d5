package dev.nana.supervisor.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The cgroup parsers, fed the kernel's own text for v1 and v2. */
class CgroupStatsTest {
    @Test
    void findsEachControllersPath() {
        List<String> hybrid =
                List.of("12:pids:/web", "6:cpu,cpuacct:/web", "4:memory:/web", "0::/user.slice");
        assertEquals("web", CgroupStats.path(hybrid, "cpuacct"));
        assertEquals("web", CgroupStats.path(hybrid, "memory"));
        assertEquals("user.slice", CgroupStats.path(hybrid, ""));
        assertNull(CgroupStats.path(hybrid, "blkio"));
        assertEquals(
                "system.slice/x.scope", CgroupStats.path(List.of("0::/system.slice/x.scope"), ""));
    }

    @Test
    void readsV2Counters() {
        assertEquals(
                123456,
                CgroupStats.field(
                        "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n", "usage_usec"));
        assertEquals(2, CgroupStats.field("low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\n", "oom_kill"));
        assertEquals(Long.MAX_VALUE, CgroupStats.limit("max\n"));
        assertEquals(16777216, CgroupStats.limit("16777216\n"));
        assertEquals(-1, CgroupStats.pidsMax("max\n"));
        assertEquals(64, CgroupStats.pidsMax("64\n"));
        assertArrayEquals(
                new long[] {300, 70},
                CgroupStats.v2Io(
                        "8:0 rbytes=100 wbytes=50 rios=1 wios=1\n8:16 rbytes=200 wbytes=20 rios=2 wios=2\n"));
    }

    @Test
    void readsV1Counters() {
        assertEquals(Long.MAX_VALUE, CgroupStats.limit("9223372036854771712\n"), "v1's unlimited");
        assertEquals(
                1, CgroupStats.field("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", "oom_kill"));
        assertEquals(4096, CgroupStats.field("cache 4096\nrss 8192\n", "cache"));
        assertArrayEquals(
                new long[] {1024, 2048},
                CgroupStats.v1Blkio(
                        "8:0 Read 1024\n8:0 Write 2048\n8:0 Sync 0\n8:0 Total 3072\nTotal 3072\n"));
        assertEquals(0, CgroupStats.number("garbage"));
    }
}
