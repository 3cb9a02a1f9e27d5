package dev.nana.supervisor.runtime;

import dev.nana.DeadlineExceededException;
import dev.nana.FailedPreconditionException;
import dev.nana.InvalidArgumentException;
import dev.nana.UnavailableException;
import dev.nana.supervisor.os.Command;
import dev.nana.supervisor.os.OsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OCI runtime binary nana drives: runc, crun, or any compatible one given by absolute path.
 * Resolution happens before anything is created, so an unknown runtime is a clear error and leaves
 * nothing behind.
 *
 * @param name what the user asked for ("runc", "crun" or a path)
 * @param binary the absolute path that is executed
 * @param unshareCgroup2 crun 1.8 refuses hybrid cgroups ("drop all controllers from cgroupv2");
 *     with this set, the shim runs its create in a private mount namespace without
 *     /sys/fs/cgroup/unified
 * @param timeout how long a runtime call (kill, delete, pause, update, checkpoint) may take before
 *     nana kills it and reports the runtime as hanging
 */
public record OciRuntime(String name, Path binary, boolean unshareCgroup2, Duration timeout) {
    /** How long runtime calls may take unless a supervisor says otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public OciRuntime(String name, Path binary, boolean unshareCgroup2) {
        this(name, binary, unshareCgroup2, DEFAULT_TIMEOUT);
    }

    /** The same runtime, its calls bounded by the given time. */
    public OciRuntime withTimeout(Duration t) {
        return new OciRuntime(name, binary, unshareCgroup2, t);
    }

    /** Resolves a runtime name (searched on PATH and the sbin directories) or absolute path. */
    public static OciRuntime resolve(String nameOrPath) {
        // every create resolves its runtime: the answer is kept while its binary is still there
        OciRuntime known = RESOLVED.get(nameOrPath);
        if (known != null && Files.isExecutable(known.binary())) return known;
        OciRuntime r = resolve(nameOrPath, System.getenv("PATH"), LAYOUT.get());
        if (RESOLVED.size() < 64) RESOLVED.put(nameOrPath, r);
        return r;
    }

    private static final Map<String, OciRuntime> RESOLVED = new ConcurrentHashMap<>();

    /**
     * The host's cgroup layout, read once from /proc/self/mounts: it does not change under a
     * running supervisor.
     */
    private static final Supplier<CgroupLayout> LAYOUT =
            new Supplier<>() {
                private volatile CgroupLayout layout;

                @Override
                public CgroupLayout get() {
                    CgroupLayout l = layout;
                    if (l == null) {
                        l = CgroupLayout.detect();
                        layout = l;
                    }
                    return l;
                }
            };

    static OciRuntime resolve(String nameOrPath, String pathVariable, CgroupLayout layout) {
        if (nameOrPath == null || nameOrPath.isBlank()) {
            throw new InvalidArgumentException(
                    "runtime is empty: give runc, crun, or the absolute path of an OCI runtime");
        }
        Path binary;
        if (nameOrPath.contains("/")) {
            binary = Path.of(nameOrPath);
            if (!binary.isAbsolute()) {
                throw new InvalidArgumentException(
                        "runtime \""
                                + nameOrPath
                                + "\" is a relative path: give an absolute path, or a name such as runc or crun");
            }
            if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
                throw new InvalidArgumentException(
                        "runtime \"" + nameOrPath + "\" is not an executable file");
            }
        } else {
            binary = search(nameOrPath, pathVariable);
            if (binary == null) {
                throw new InvalidArgumentException(
                        "unknown runtime \""
                                + nameOrPath
                                + "\": no such executable on PATH or in /usr/sbin, /sbin; install it"
                                + " (scripts/setup installs runc and crun), or give an absolute path");
            }
        }
        boolean crun = binary.getFileName().toString().startsWith("crun");
        return new OciRuntime(
                nameOrPath, binary.toAbsolutePath(), crun && layout == CgroupLayout.HYBRID);
    }

    private static Path search(String name, String pathVariable) {
        Set<String> dirs = new LinkedHashSet<>();
        if (pathVariable != null) dirs.addAll(List.of(pathVariable.split(":")));
        dirs.addAll(
                List.of(
                        "/usr/local/sbin",
                        "/usr/local/bin",
                        "/usr/sbin",
                        "/usr/bin",
                        "/sbin",
                        "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    /**
     * {@code <runtime> [args] delete [--force] ID}; a container the runtime does not know is not an
     * error.
     */
    public void delete(String id, List<String> runtimeArgs, boolean force) {
        List<String> sub = new ArrayList<>(List.of("delete"));
        if (force) sub.add("--force");
        sub.add(id);
        Command.Result r = call(id, runtimeArgs, sub);
        if (!r.ok() && !notFound(r)) {
            throw new FailedPreconditionException(
                    "delete \"" + id + "\": " + name + " said: " + said(r));
        }
    }

    /** {@code <runtime> [args] kill [--all] ID SIGNAL}. */
    public void kill(String id, List<String> runtimeArgs, int signal, boolean all) {
        List<String> sub = new ArrayList<>(List.of("kill"));
        if (all) sub.add("--all");
        sub.add(id);
        sub.add(Integer.toString(signal));
        Command.Result r = call(id, runtimeArgs, sub);
        if (!r.ok() && !r.timedOut() && gone(r)) {
            // a race with its exit or a delete: nana's own words, not the runtime's
            throw new FailedPreconditionException(
                    "cannot kill \""
                            + id
                            + "\": it is not running (it exited, or was"
                            + " deleted, meanwhile)");
        }
        if (!r.ok()) {
            throw new FailedPreconditionException(
                    "kill \"" + id + "\": " + name + " said: " + said(r));
        }
    }

    /**
     * Whether a runtime's failure says the container is gone or stopped (runc's and crun's words).
     */
    public static boolean gone(String said) {
        String s = said.toLowerCase(Locale.ROOT);
        return s.contains("does not exist")
                || s.contains("not running")
                || s.contains("container not found")
                || s.contains("no such process")
                || s.contains("is stopped");
    }

    private static boolean gone(Command.Result r) {
        return gone(r.stderr() + " " + r.stdout());
    }

    /** {@code <runtime> [args] pause ID} or {@code resume ID}. */
    public void pause(String id, List<String> runtimeArgs, boolean pause) {
        String verb = pause ? "pause" : "resume";
        Command.Result r = call(id, runtimeArgs, List.of(verb, id));
        if (!r.ok()) {
            throw new FailedPreconditionException(
                    verb + " \"" + id + "\": " + name + " said: " + said(r));
        }
    }

    /** {@code <runtime> [args] update --memory=… ID}. */
    public void update(String id, List<String> runtimeArgs, dev.nana.Resources resources) {
        List<String> sub = new ArrayList<>(List.of("update"));
        sub.addAll(resources.runtimeFlags());
        sub.add(id);
        Command.Result r = call(id, runtimeArgs, sub);
        if (!r.ok()) {
            throw new FailedPreconditionException(
                    "update \"" + id + "\": " + name + " said: " + said(r));
        }
    }

    /** {@code <runtime> --criu PATH [args] checkpoint --image-path DIR [--leave-running] ID}. */
    public void checkpoint(
            String id, List<String> runtimeArgs, Path criu, Path imagePath, boolean leaveRunning) {
        List<String> args = new ArrayList<>(List.of("--criu", criu.toString()));
        args.addAll(runtimeArgs);
        List<String> sub =
                new ArrayList<>(List.of("checkpoint", "--image-path", imagePath.toString()));
        if (leaveRunning) sub.add("--leave-running");
        sub.add(id);
        Command.Result r = call(id, args, sub);
        if (!r.ok()) {
            throw new FailedPreconditionException(
                    "checkpoint \"" + id + "\": " + name + " said: " + said(r));
        }
    }

    private Command.Result call(String id, List<String> runtimeArgs, List<String> sub) {
        List<String> argv = new ArrayList<>();
        argv.add(binary.toString());
        argv.addAll(runtimeArgs);
        argv.addAll(sub);
        try {
            Command.Result r = Command.run(argv, null, timeout);
            if (r.timedOut()) {
                throw new DeadlineExceededException(
                        sub.getFirst()
                                + " \""
                                + id
                                + "\": "
                                + name
                                + " did not finish within "
                                + timeout.toMillis()
                                + " ms and was killed: is the runtime hanging? (the supervisor's"
                                + " timeout sets the limit)");
            }
            return r;
        } catch (OsException e) {
            throw new UnavailableException("run " + binary + ": " + e.getMessage(), e);
        }
    }

    private static boolean notFound(Command.Result r) {
        String s = r.stderr().toLowerCase(Locale.ROOT);
        return s.contains("does not exist") || s.contains("not found") || s.contains("no such");
    }

    /**
     * What a failed call said: its error line (runc logs warnings before it, "level=warning", which
     * are not why it failed), its message alone when it is a logfmt line; else how it ended.
     */
    static String said(Command.Result r) {
        List<String> lines = r.stderr().strip().lines().filter(l -> !l.isBlank()).toList();
        String line =
                lines.stream()
                        .filter(l -> l.contains("level=error") || l.contains("level=fatal"))
                        .findFirst()
                        .or(
                                () ->
                                        lines.stream()
                                                .filter(l -> !l.contains("level=warning"))
                                                .findFirst())
                        .orElse(lines.isEmpty() ? "" : lines.getFirst());
        if (!line.isEmpty()) return logfmtMessage(line);
        return r.exitCode() > 128
                ? "(nothing; killed by signal " + (r.exitCode() - 128) + ")"
                : "(nothing; exited with status " + r.exitCode() + ")";
    }

    private static final Pattern LOGFMT_MSG = Pattern.compile("\\bmsg=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** A logfmt line's msg="..." (runc's), unescaped; any other line as it is. */
    private static String logfmtMessage(String line) {
        Matcher m = LOGFMT_MSG.matcher(line);
        if (!m.find()) return line.strip();
        return m.group(1).replaceAll("\\\\(.)", "$1");
    }
}
