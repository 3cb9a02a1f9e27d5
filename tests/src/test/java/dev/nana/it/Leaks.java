package dev.nana.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What a supervisor may leave behind on the host, read from /proc, the runtimes' state folders and
 * the cgroup tree: shims, zombies, runtime state, cgroups, mounts, open files. Each method returns
 * what it found, described for an assertion message; empty is clean.
 */
public final class Leaks {
    private Leaks() {}

    /** Pids of the nana-shim processes working in the given state directory. */
    public static List<Integer> shims(Path stateDir) {
        List<Integer> out = new ArrayList<>();
        for (int pid : pids()) {
            if (!"nana-shim".equals(comm(pid))) continue;
            try {
                if (Files.readSymbolicLink(Path.of("/proc", "" + pid, "cwd")).startsWith(stateDir))
                    out.add(pid);
            } catch (IOException e) {
                // gone meanwhile
            }
        }
        return out;
    }

    /** Zombies whose parent is a nana-shim or one of the given pids (a supervisor). */
    public static List<String> zombies(Collection<Long> parents) {
        List<String> out = new ArrayList<>();
        for (int pid : pids()) {
            String stat = read(Path.of("/proc", "" + pid, "stat"));
            if (stat == null) continue;
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
            if (!f[0].equals("Z")) continue;
            long ppid = Long.parseLong(f[1]);
            if (parents.contains(ppid) || "nana-shim".equals(comm((int) ppid))) {
                out.add(
                        "zombie "
                                + pid
                                + " ("
                                + comm(pid)
                                + ") of "
                                + ppid
                                + " ("
                                + comm((int) ppid)
                                + ")");
            }
        }
        return out;
    }

    /**
     * What a check finds once the supervisor's cleanup after a delete has had its moment: a delete
     * is answered once the container is gone from the table and its DELETE journaled; the runtime's
     * state, its cgroup and the folder go right after. Polls for up to 10 s and returns the last
     * finding.
     */
    public static List<String> settled(Supplier<List<String>> check) {
        try {
            return await().atMost(Duration.ofSeconds(10))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(20))
                    .until(check::get, List::isEmpty);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return check.get();
        }
    }

    /** Runtime state left for any of the ids, by runc or crun (their default roots). */
    public static List<String> runtimeState(Set<String> ids) {
        List<String> out = new ArrayList<>();
        for (String root : List.of("/run/runc", "/run/crun")) {
            for (String id : ids) if (Files.exists(Path.of(root, id))) out.add(root + "/" + id);
        }
        return out;
    }

    /**
     * Cgroups named after any of the ids, in the v1 hierarchies and the v2 mount (3 levels deep).
     */
    public static List<String> cgroups(Set<String> ids) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path c : controllers.toList()) {
                if (!Files.isDirectory(c) || Files.isSymbolicLink(c)) continue;
                for (int attempt = 0; ; attempt++) { // a cgroup removed during the walk: walk again
                    try (Stream<Path> walk = Files.walk(c, 3)) {
                        List<String> found =
                                walk.filter(Files::isDirectory)
                                        .filter(p -> ids.contains(p.getFileName().toString()))
                                        .map(Path::toString)
                                        .toList();
                        out.addAll(found);
                        break;
                    } catch (UncheckedIOException e) {
                        if (attempt == 5) throw e.getCause();
                    }
                }
            }
        } catch (IOException e) {
            out.add("cannot read the cgroup tree: " + e);
        }
        return out;
    }

    /** Mount points under the state directory, in this (the host's) mount namespace. */
    public static List<String> mounts(Path stateDir) {
        String info = read(Path.of("/proc/self/mountinfo"));
        List<String> out = new ArrayList<>();
        if (info != null)
            info.lines()
                    .filter(l -> l.split(" ", -1)[4].startsWith(stateDir.toString()))
                    .forEach(out::add);
        return out;
    }

    /** Files the process holds open inside the state directory's container folders. */
    public static List<String> openFiles(long pid, Path stateDir) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", "" + pid, "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(stateDir)
                            && target.getNameCount() > stateDir.getNameCount() + 1) {
                        out.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            out.add("cannot list the fds of " + pid + ": " + e);
        }
        return out;
    }

    /** Entries of the state directory that are container folders or left-overs of one. */
    public static List<String> stateFolders(Path stateDir) {
        Set<String> own =
                Set.of(
                        "nana.lock",
                        "events.log",
                        "events.log.1",
                        "nana.sock",
                        "nana.sock.cli",
                        "cri.sock");
        List<String> out = new ArrayList<>();
        try (Stream<Path> list = Files.list(stateDir)) {
            list.map(p -> p.getFileName().toString())
                    .filter(
                            n ->
                                    !own.contains(n)
                                            && !List.of(".stdio", ".cri", ".images").contains(n))
                    .forEach(out::add);
        } catch (IOException e) {
            out.add("cannot list " + stateDir + ": " + e);
        }
        // the clients' FIFO folders (each goes with its command), the CRI's pod sandboxes and
        // their containers
        for (String folder : List.of(".stdio", ".cri/sandboxes", ".cri/containers")) {
            Path dir = stateDir.resolve(folder);
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> list = Files.list(dir)) {
                list.map(p -> folder + "/" + p.getFileName()).forEach(out::add);
            } catch (IOException e) {
                out.add("cannot list " + dir + ": " + e);
            }
        }
        return out;
    }

    private static List<Integer> pids() {
        try (Stream<Path> list = Files.list(Path.of("/proc"))) {
            return list.map(p -> p.getFileName().toString())
                    .filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Integer::parseInt)
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String comm(int pid) {
        String c = read(Path.of("/proc", "" + pid, "comm"));
        return c == null ? "?" : c.strip();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return null;
        }
    }
}
