package dev.nana.it.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nana.it.NanaCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** update and stats through the CLI against a daemon, checked in the container's cgroups. */
class UpdateStatsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A v1 cgroup file of a process, for one controller. */
    static String cgroupFile(int pid, String controller, String file) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && List.of(f[1].split(",")).contains(controller)) {
                return Files.readString(Path.of("/sys/fs/cgroup/" + controller + f[2], file))
                        .strip();
            }
        }
        throw new AssertionError("pid " + pid + " has no v1 " + controller + " cgroup");
    }

    private static JsonNode stats(NanaCli nana, String id) throws Exception {
        NanaCli.Run r = nana.run("stats", id, "--format", "json");
        assertEquals(0, r.exit(), r.err());
        return JSON.readTree(r.out()).get(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void updateChangesTheCgroupAndStatsFollowTheContainer(String runtime) throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon("--runtime", runtime);
            assertEquals(
                    0,
                    nana.run(
                                    "run",
                                    "-d",
                                    "--memory",
                                    "64m",
                                    "u",
                                    "--",
                                    "sh",
                                    "-c",
                                    "sleep 1; dd if=/dev/zero of=/dev/shm/fill bs=1M count=24 2>/dev/null; sleep 100")
                            .exit());
            int pid = JSON.readTree(nana.run("inspect", "u").out()).path("pid").asInt();
            assertEquals(
                    Long.toString(64L << 20), cgroupFile(pid, "memory", "memory.limit_in_bytes"));

            JsonNode before = stats(nana, "u");
            assertEquals(64L << 20, before.path("memoryLimitBytes").asLong());
            assertTrue(
                    before.path("memoryBytes").asLong() < (8L << 20), "small at first: " + before);

            assertEquals(
                    0,
                    nana.run(
                                    "update",
                                    "u",
                                    "--memory",
                                    "48m",
                                    "--memory-reservation",
                                    "16m",
                                    "--pids-limit",
                                    "20",
                                    "--cpu-shares",
                                    "512",
                                    "--cpu-quota",
                                    "50000",
                                    "--cpu-period",
                                    "100000")
                            .exit());
            assertEquals(
                    Long.toString(48L << 20), cgroupFile(pid, "memory", "memory.limit_in_bytes"));
            assertEquals(
                    Long.toString(16L << 20),
                    cgroupFile(pid, "memory", "memory.soft_limit_in_bytes"));
            assertEquals("20", cgroupFile(pid, "pids", "pids.max"));
            assertEquals("512", cgroupFile(pid, "cpu", "cpu.shares"));
            assertEquals("50000", cgroupFile(pid, "cpu", "cpu.cfs_quota_us"));

            JsonNode after =
                    await("24 MiB in /dev/shm show up in the stats")
                            .atMost(Duration.ofSeconds(20))
                            .pollDelay(Duration.ZERO)
                            .pollInterval(Duration.ofMillis(200))
                            .until(
                                    () -> stats(nana, "u"),
                                    s -> s.path("memoryBytes").asLong() >= (20L << 20));
            assertEquals(48L << 20, after.path("memoryLimitBytes").asLong());
            assertEquals(20, after.path("pidsLimit").asLong());
            assertTrue(after.path("cpuNanos").asLong() > 0);

            for (String[] bad :
                    new String[][] {
                        {"--memory", "-5"},
                        {"--cpu-shares", "1"},
                        {"--pids-limit", "0"},
                        {"--cpuset-cpus", "zero"},
                        {"--cpu-period", "10"}
                    }) {
                NanaCli.Run r = nana.run("update", "u", bad[0], bad[1]);
                assertEquals(125, r.exit(), String.join(" ", bad));
                assertTrue(r.err().startsWith("nana: "), r.err());
            }
            NanaCli.Run nothing = nana.run("update", "u");
            assertEquals(125, nothing.exit());
            assertTrue(nothing.err().contains("nothing to change"), nothing.err());
            assertEquals(125, nana.run("update", "ghost", "--memory", "32m").exit());
            assertEquals(125, nana.run("stats", "ghost").exit());

            assertEquals(0, nana.run("kill", "u", "KILL").exit());
            nana.run("wait", "u");
            NanaCli.Run stopped = nana.run("stats", "u");
            assertEquals(125, stopped.exit());
            assertTrue(stopped.err().contains("no stats for \"u\": it is stopped"), stopped.err());
            assertEquals(0, nana.run("rm", "u").exit());
        }
    }
}
