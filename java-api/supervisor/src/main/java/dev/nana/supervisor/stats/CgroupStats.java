package dev.nana.supervisor.stats;

import dev.nana.FailedPreconditionException;
import dev.nana.Stats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Reads a process's cgroup counters, on cgroup v1 (one hierarchy per controller under
 * /sys/fs/cgroup/CONTROLLER) and v2 (one unified hierarchy). The parsers are pure and unit-tested
 * with the kernel's own text; only {@link #of} touches the files.
 */
public final class CgroupStats {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");

    private CgroupStats() {}

    /** The stats of the cgroup(s) that pid is in. */
    public static Stats of(String id, int pid) {
        List<String> cgroups;
        try {
            cgroups = Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"));
        } catch (IOException e) {
            throw new FailedPreconditionException(
                    "stats of \"" + id + "\": its process " + pid + " is gone", e);
        }
        if (Files.exists(ROOT.resolve("cgroup.controllers")))
            return v2(id, ROOT.resolve(path(cgroups, "")));
        return v1(id, cgroups);
    }

    /**
     * The path of the hierarchy holding controller ("" for the unified one) in /proc/PID/cgroup
     * text.
     */
    static String path(List<String> cgroups, String controller) {
        for (String line : cgroups) {
            String[] f = line.split(":", 3);
            if (f.length < 3) continue;
            boolean match =
                    controller.isEmpty()
                            ? f[0].equals("0") && f[1].isEmpty()
                            : List.of(f[1].split(",")).contains(controller);
            if (match) return f[2].startsWith("/") ? f[2].substring(1) : f[2];
        }
        return null;
    }

    private static Stats v1(String id, List<String> cgroups) {
        Path cpu = dir("cpuacct", cgroups);
        Path mem = dir("memory", cgroups);
        Path pids = dir("pids", cgroups);
        Path blkio = dir("blkio", cgroups);
        long[] io =
                blkio == null
                        ? new long[2]
                        : v1Blkio(read(blkio.resolve("blkio.throttle.io_service_bytes")));
        String memStat = mem == null ? "" : read(mem.resolve("memory.stat"));
        return new Stats(
                id,
                Instant.now(),
                cpu == null ? 0 : number(read(cpu.resolve("cpuacct.usage"))),
                mem == null ? 0 : number(read(mem.resolve("memory.usage_in_bytes"))),
                mem == null ? Long.MAX_VALUE : limit(read(mem.resolve("memory.limit_in_bytes"))),
                field(memStat, "cache"),
                mem == null ? 0 : field(read(mem.resolve("memory.oom_control")), "oom_kill"),
                pids == null ? 0 : number(read(pids.resolve("pids.current"))),
                pids == null ? -1 : pidsMax(read(pids.resolve("pids.max"))),
                io[0],
                io[1]);
    }

    private static Path dir(String controller, List<String> cgroups) {
        String p = path(cgroups, controller);
        return p == null ? null : ROOT.resolve(controller).resolve(p);
    }

    private static Stats v2(String id, Path dir) {
        long[] io = v2Io(read(dir.resolve("io.stat")));
        return new Stats(
                id,
                Instant.now(),
                field(read(dir.resolve("cpu.stat")), "usage_usec") * 1000,
                number(read(dir.resolve("memory.current"))),
                limit(read(dir.resolve("memory.max"))),
                field(read(dir.resolve("memory.stat")), "file"),
                field(read(dir.resolve("memory.events")), "oom_kill"),
                number(read(dir.resolve("pids.current"))),
                pidsMax(read(dir.resolve("pids.max"))),
                io[0],
                io[1]);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return ""; // a controller that is not there counts nothing
        }
    }

    static long number(String text) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** "max" (v2) or v1's huge page-aligned "unlimited" number mean no limit: Long.MAX_VALUE. */
    static long limit(String text) {
        String t = text.strip();
        if (t.equals("max") || t.isEmpty()) return Long.MAX_VALUE;
        long v = number(t);
        return v >= 0x7FFFFFFFFFFFF000L ? Long.MAX_VALUE : v;
    }

    static long pidsMax(String text) {
        String t = text.strip();
        return t.equals("max") || t.isEmpty() ? -1 : number(t);
    }

    /** The value of "key N" lines (memory.stat, cpu.stat, memory.events, memory.oom_control). */
    static long field(String text, String key) {
        for (String line : text.split("\n", -1)) {
            String[] f = line.strip().split(" ", -1);
            if (f.length == 2 && f[0].equals(key)) return number(f[1]);
        }
        return 0;
    }

    /** v1 blkio.throttle.io_service_bytes: "MAJ:MIN Read N" lines, summed over devices. */
    static long[] v1Blkio(String text) {
        long[] rw = new long[2];
        for (String line : text.split("\n", -1)) {
            String[] f = line.strip().split(" ", -1);
            if (f.length != 3) continue;
            if (f[1].equals("Read")) rw[0] += number(f[2]);
            if (f[1].equals("Write")) rw[1] += number(f[2]);
        }
        return rw;
    }

    /** v2 io.stat: "MAJ:MIN rbytes=N wbytes=N …" lines, summed over devices. */
    static long[] v2Io(String text) {
        long[] rw = new long[2];
        for (String line : text.split("\n", -1)) {
            for (String kv : line.strip().split(" ", -1)) {
                if (kv.startsWith("rbytes=")) rw[0] += number(kv.substring(7));
                if (kv.startsWith("wbytes=")) rw[1] += number(kv.substring(7));
            }
        }
        return rw;
    }
}
