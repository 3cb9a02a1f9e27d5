package dev.nana.oci;

import dev.nana.InvalidArgumentException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The options specs are built with: each says what it sets, and leaves the rest as it was. The
 * defaults are those of runc's and containerd's: {@link #DEFAULT_CAPABILITIES}, {@link
 * #MASKED_PATHS}, {@link #READONLY_PATHS} and {@link #withDefaultMounts}.
 */
public final class SpecOpts {
    private SpecOpts() {}

    /** The PATH a process gets when its image names none. */
    public static final String DEFAULT_PATH =
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** containerd's and Docker's default capabilities. */
    public static final List<String> DEFAULT_CAPABILITIES =
            List.of(
                    "CAP_CHOWN",
                    "CAP_DAC_OVERRIDE",
                    "CAP_FSETID",
                    "CAP_FOWNER",
                    "CAP_MKNOD",
                    "CAP_NET_RAW",
                    "CAP_SETGID",
                    "CAP_SETUID",
                    "CAP_SETFCAP",
                    "CAP_SETPCAP",
                    "CAP_NET_BIND_SERVICE",
                    "CAP_SYS_CHROOT",
                    "CAP_KILL",
                    "CAP_AUDIT_WRITE");

    /** The paths of /proc and /sys a container does not see. */
    public static final List<String> MASKED_PATHS =
            List.of(
                    "/proc/acpi",
                    "/proc/kcore",
                    "/proc/keys",
                    "/proc/latency_stats",
                    "/proc/timer_list",
                    "/proc/timer_stats",
                    "/proc/sched_debug",
                    "/proc/scsi",
                    "/sys/firmware");

    /** The paths of /proc a container sees read-only. */
    public static final List<String> READONLY_PATHS =
            List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /** A spec of the defaults with opts applied in order. */
    public static Spec build(SpecOpt... opts) {
        return build(List.of(opts));
    }

    /** A spec of the defaults with opts applied in order. */
    public static Spec build(List<SpecOpt> opts) {
        Spec s = new Spec();
        for (SpecOpt o : opts) o.apply(s);
        return s;
    }

    /** All of opts, in order, as one. */
    public static SpecOpt all(List<SpecOpt> opts) {
        List<SpecOpt> copy = List.copyOf(opts);
        return s -> copy.forEach(o -> o.apply(s));
    }

    // ---- the process

    public static SpecOpt withProcessArgs(List<String> args) {
        if (args.isEmpty())
            throw new InvalidArgumentException("a process needs at least one argument");
        List<String> copy = List.copyOf(args);
        return s -> s.process().args = new ArrayList<>(copy);
    }

    /** Sets each KEY=VALUE, replacing a value the process had for KEY, keeping the order. */
    public static SpecOpt withEnv(Collection<String> env) {
        List<String> copy = List.copyOf(env);
        for (String kv : copy)
            if (kv.indexOf('=') <= 0)
                throw new InvalidArgumentException("env \"" + kv + "\" is not KEY=VALUE");
        return s -> {
            Spec.ProcessConfig p = s.process();
            List<String> out = p.env == null ? new ArrayList<>() : new ArrayList<>(p.env);
            for (String kv : copy) {
                String key = kv.substring(0, kv.indexOf('=') + 1);
                out.removeIf(e -> e.startsWith(key));
                out.add(kv);
            }
            p.env = out;
        };
    }

    /** The environment as a map, in its order, replacing what the process had. */
    public static SpecOpt withEnvMap(Map<String, String> env) {
        List<String> kvs = new ArrayList<>();
        env.forEach((k, v) -> kvs.add(k + "=" + v));
        return s -> s.process().env = new ArrayList<>(kvs);
    }

    public static SpecOpt withCwd(String cwd) {
        if (!cwd.startsWith("/"))
            throw new InvalidArgumentException(
                    "cwd \"" + cwd + "\" must be an absolute path inside the container");
        return s -> s.process().cwd = cwd;
    }

    public static SpecOpt withTerminal(boolean terminal) {
        return s -> s.process().terminal = terminal;
    }

    /** The terminal's size from the process's start (rows and columns above 0). */
    public static SpecOpt withConsoleSize(int rows, int cols) {
        if (rows <= 0 || cols <= 0)
            throw new InvalidArgumentException(
                    "console size " + rows + "x" + cols + ": give rows and columns above 0");
        return s -> {
            Spec.ConsoleSize c = new Spec.ConsoleSize();
            c.height = rows;
            c.width = cols;
            s.process().consoleSize = c;
        };
    }

    /** The user, by ids; additional gids in order, the primary one left out. */
    public static SpecOpt withUser(long uid, long gid, Collection<Long> additionalGids) {
        List<Long> more = additionalGids.stream().filter(g -> g != gid).distinct().toList();
        return s -> {
            Spec.User u = new Spec.User();
            u.uid = uid;
            u.gid = gid;
            u.additionalGids = more.isEmpty() ? null : new ArrayList<>(more);
            s.process().user = u;
        };
    }

    public static SpecOpt withNoNewPrivileges(boolean on) {
        return s -> s.process().noNewPrivileges = on;
    }

    public static SpecOpt withOomScoreAdj(int adj) {
        if (adj < -1000 || adj > 1000)
            throw new InvalidArgumentException(
                    "oom_score_adj " + adj + " is out of the kernel's range: give -1000 to 1000");
        return s -> s.process().oomScoreAdj = adj;
    }

    /** The bounding, effective and permitted sets, all alike (as containerd sets them). */
    public static SpecOpt withCapabilities(List<String> caps) {
        List<String> copy = List.copyOf(caps);
        return s -> {
            Spec.Capabilities c = new Spec.Capabilities();
            c.bounding = new ArrayList<>(copy);
            c.effective = new ArrayList<>(copy);
            c.permitted = new ArrayList<>(copy);
            s.process().capabilities = c;
        };
    }

    // ---- the root, host name, mounts

    public static SpecOpt withRoot(String path, boolean readonly) {
        return s -> {
            s.root().path = path;
            s.root().readonly = readonly;
        };
    }

    /** The host name, cut to the 63 bytes the kernel takes. */
    public static SpecOpt withHostname(String hostname) {
        String h = hostname.length() > 63 ? hostname.substring(0, 63) : hostname;
        return s -> s.hostname = h;
    }

    public static SpecOpt withMount(String dest, String type, String source, String... options) {
        Spec.Mount m = new Spec.Mount(dest, type, source, List.of(options));
        return s -> s.mounts().add(m);
    }

    /** A bind mount of a host path, with its propagation and ro or rw. */
    public static SpecOpt withBind(
            String dest, String hostPath, String propagation, boolean readonly) {
        return withMount(dest, "bind", hostPath, "rbind", propagation, readonly ? "ro" : "rw");
    }

    /**
     * runc's default mounts: /proc, a 64 MiB /dev tmpfs, /dev/pts, /dev/shm, /dev/mqueue and /sys
     * (read-only unless sysReadWrite).
     */
    public static SpecOpt withDefaultMounts(boolean sysReadWrite) {
        return all(
                List.of(
                        withMount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"),
                        withMount(
                                "/dev",
                                "tmpfs",
                                "tmpfs",
                                "nosuid",
                                "strictatime",
                                "mode=755",
                                "size=65536k"),
                        withMount(
                                "/dev/pts",
                                "devpts",
                                "devpts",
                                "nosuid",
                                "noexec",
                                "newinstance",
                                "ptmxmode=0666",
                                "mode=0620",
                                "gid=5"),
                        withMount(
                                "/dev/shm",
                                "tmpfs",
                                "shm",
                                "nosuid",
                                "noexec",
                                "nodev",
                                "mode=1777",
                                "size=65536k"),
                        withMount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
                        withMount(
                                "/sys",
                                "sysfs",
                                "sysfs",
                                "nosuid",
                                "noexec",
                                "nodev",
                                sysReadWrite ? "rw" : "ro")));
    }

    // ---- linux

    /** A new namespace of each type, after those the spec has. */
    public static SpecOpt withNewNamespaces(String... types) {
        List<String> copy = List.of(types);
        return s -> copy.forEach(t -> namespaces(s).add(new Spec.Namespace(t, null)));
    }

    /** Joins the namespace at path (/proc/PID/ns/TYPE) instead of making one. */
    public static SpecOpt withJoinedNamespace(String type, String path) {
        return s -> namespaces(s).add(new Spec.Namespace(type, path));
    }

    private static List<Spec.Namespace> namespaces(Spec s) {
        Spec.Linux l = s.linux();
        if (l.namespaces == null) l.namespaces = new ArrayList<>();
        return l.namespaces;
    }

    public static SpecOpt withCgroupsPath(String path) {
        return s -> s.linux().cgroupsPath = path;
    }

    /** rprivate, rslave or rshared. */
    public static SpecOpt withRootfsPropagation(String propagation) {
        return s -> s.linux().rootfsPropagation = propagation;
    }

    public static SpecOpt withSysctl(Map<String, String> sysctl) {
        Map<String, String> copy = Map.copyOf(sysctl);
        return s -> {
            if (copy.isEmpty()) return;
            if (s.linux().sysctl == null) s.linux().sysctl = new java.util.TreeMap<>();
            s.linux().sysctl.putAll(copy);
        };
    }

    /** A seccomp filter, or none for null. */
    public static SpecOpt withSeccomp(Spec.Seccomp filter) {
        return s -> s.linux().seccomp = filter;
    }

    public static SpecOpt withMaskedPaths(List<String> paths) {
        List<String> copy = List.copyOf(paths);
        return s -> s.linux().maskedPaths = new ArrayList<>(copy);
    }

    public static SpecOpt withReadonlyPaths(List<String> paths) {
        List<String> copy = List.copyOf(paths);
        return s -> s.linux().readonlyPaths = new ArrayList<>(copy);
    }

    /** A device cgroup rule, after those the spec has. */
    public static SpecOpt withDeviceRule(Spec.DeviceRule rule) {
        return s -> {
            Spec.Resources r = s.resources();
            if (r.devices == null) r.devices = new ArrayList<>();
            r.devices.add(rule);
        };
    }

    /** A device node in the container's /dev, after those the spec has. */
    public static SpecOpt withDevice(Spec.Device device) {
        return s -> {
            Spec.Linux l = s.linux();
            if (l.devices == null) l.devices = new ArrayList<>();
            l.devices.add(device);
        };
    }

    /** CPU limits: each value set only when given (a share or quota above 0, a set not empty). */
    public static SpecOpt withCpu(Consumer<Spec.Cpu> cpu) {
        return s -> {
            Spec.Cpu c = s.resources().cpu != null ? s.resources().cpu : new Spec.Cpu();
            cpu.accept(c);
            s.resources().cpu = c;
        };
    }

    public static SpecOpt withMemoryLimit(long bytes) {
        if (bytes <= 0)
            throw new InvalidArgumentException(
                    "memory limit " + bytes + " must be a positive number of bytes");
        return s -> {
            Spec.Resources r = s.resources();
            if (r.memory == null) r.memory = new Spec.Memory();
            r.memory.limit = bytes;
        };
    }
}
