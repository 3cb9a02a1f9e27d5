package dev.nana.supervisor.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which cgroup hierarchies this host mounts: v1, v2 (unified), or hybrid (v1 beside a cgroup2
 * mount).
 */
public enum CgroupLayout {
    V1,
    V2,
    HYBRID;

    /** Reads /proc/self/mounts. */
    public static CgroupLayout detect() {
        try {
            return fromMounts(Files.readAllLines(Path.of("/proc/self/mounts")));
        } catch (IOException e) {
            return V1;
        }
    }

    /** The layout described by lines of /proc/self/mounts. */
    public static CgroupLayout fromMounts(List<String> lines) {
        boolean rootIsV2 = false;
        boolean unifiedIsV2 = false;
        for (String line : lines) {
            String[] f = line.split(" ", -1);
            if (f.length < 3 || !f[2].equals("cgroup2")) continue;
            if (f[1].equals("/sys/fs/cgroup")) rootIsV2 = true;
            if (f[1].equals("/sys/fs/cgroup/unified")) unifiedIsV2 = true;
        }
        if (rootIsV2) return V2;
        return unifiedIsV2 ? HYBRID : V1;
    }
}
