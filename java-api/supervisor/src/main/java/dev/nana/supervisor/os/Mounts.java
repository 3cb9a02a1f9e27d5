package dev.nana.supervisor.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The mount points of this process's mount namespace, from /proc/self/mountinfo. */
public final class Mounts {
    private Mounts() {}

    /** Mount points at or under dir, the deepest first. */
    public static List<Path> under(Path dir) throws IOException {
        String prefix = dir.toAbsolutePath().normalize().toString();
        List<Path> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            // fields: id parent major:minor root mount-point ...; spaces in paths are \040
            String point = line.split(" ", 6)[4].replace("\\040", " ");
            if (point.equals(prefix) || point.startsWith(prefix + "/")) out.add(Path.of(point));
        }
        out.sort(Comparator.comparing(Path::toString).reversed());
        return out;
    }

    /** Unmounts (lazily) everything mounted at or under dir, the deepest first. */
    public static void unmountUnder(Path dir) throws IOException {
        for (Path p : under(dir)) {
            try {
                LibNana.umount(p, LibNana.MNT_DETACH);
            } catch (OsException e) {
                // gone meanwhile; one still there makes the caller's removal fail, named
            }
        }
    }
}
