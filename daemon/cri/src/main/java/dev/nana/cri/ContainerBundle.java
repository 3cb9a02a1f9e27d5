package dev.nana.cri;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nana.InvalidArgumentException;
import dev.nana.cri.v1.Capability;
import dev.nana.cri.v1.ContainerConfig;
import dev.nana.cri.v1.KeyValue;
import dev.nana.cri.v1.LinuxContainerResources;
import dev.nana.cri.v1.LinuxContainerSecurityContext;
import dev.nana.cri.v1.Mount;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.images.ImageFiles;
import dev.nana.supervisor.os.ProcFs;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OCI config of a container in a pod, from its CRI config and its image's config: the process
 * (entrypoint and cmd as the kubelet replaces them, environment, working folder, user by id or by
 * name from the image's /etc/passwd), the pod's namespaces joined by path, capabilities, masked and
 * read-only paths, host-path mounts with their propagation, and resources.
 */
final class ContainerBundle {
    /** containerd's and Docker's default capabilities. */
    static final List<String> DEFAULT_CAPS =
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

    /** Every capability, by number (linux/capability.h). */
    private static final List<String> ALL_CAPS =
            List.of(
                    "CAP_CHOWN",
                    "CAP_DAC_OVERRIDE",
                    "CAP_DAC_READ_SEARCH",
                    "CAP_FOWNER",
                    "CAP_FSETID",
                    "CAP_KILL",
                    "CAP_SETGID",
                    "CAP_SETUID",
                    "CAP_SETPCAP",
                    "CAP_LINUX_IMMUTABLE",
                    "CAP_NET_BIND_SERVICE",
                    "CAP_NET_BROADCAST",
                    "CAP_NET_ADMIN",
                    "CAP_NET_RAW",
                    "CAP_IPC_LOCK",
                    "CAP_IPC_OWNER",
                    "CAP_SYS_MODULE",
                    "CAP_SYS_RAWIO",
                    "CAP_SYS_CHROOT",
                    "CAP_SYS_PTRACE",
                    "CAP_SYS_PACCT",
                    "CAP_SYS_ADMIN",
                    "CAP_SYS_BOOT",
                    "CAP_SYS_NICE",
                    "CAP_SYS_RESOURCE",
                    "CAP_SYS_TIME",
                    "CAP_SYS_TTY_CONFIG",
                    "CAP_MKNOD",
                    "CAP_LEASE",
                    "CAP_AUDIT_WRITE",
                    "CAP_AUDIT_CONTROL",
                    "CAP_SETFCAP",
                    "CAP_MAC_OVERRIDE",
                    "CAP_MAC_ADMIN",
                    "CAP_SYSLOG",
                    "CAP_WAKE_ALARM",
                    "CAP_BLOCK_SUSPEND",
                    "CAP_AUDIT_READ",
                    "CAP_PERFMON",
                    "CAP_BPF",
                    "CAP_CHECKPOINT_RESTORE");

    static final List<String> MASKED =
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
    static final List<String> READONLY =
            List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    private ContainerBundle() {}

    /** Where the container joins its pod: the pause process's pid, and the target's. */
    record Pod(SandboxRecord sandbox, Path dir, String cgroupParent, int pausePid, int targetPid) {}

    /**
     * The OCI config of a container: of a pod's (joining its namespaces), or with pod null of no
     * pod (nana run --image: namespaces of its own).
     */
    static ObjectNode config(ContainerConfig c, JsonNode image, Pod pod, Path rootfs, String id)
            throws IOException {
        JsonNode ic = image.path("config");
        LinuxContainerSecurityContext sc = c.getLinux().getSecurityContext();
        ObjectNode o = StateFiles.JSON.createObjectNode();
        o.put("ociVersion", "1.0.2");

        ObjectNode process = o.putObject("process");
        process.put("terminal", c.getTty());
        ArrayNode args = process.putArray("args");
        List<String> argv = argv(c, ic);
        if (argv.isEmpty())
            throw new InvalidArgumentException(
                    "container "
                            + c.getMetadata().getName()
                            + " has no command: its image has no entrypoint or cmd; give command or args");
        argv.forEach(args::add);
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : ic.path("Env")) put(env, e.asText());
        if (!env.containsKey("PATH"))
            env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (KeyValue kv : c.getEnvsList()) env.put(kv.getKey(), kv.getValue());
        ArrayNode envs = process.putArray("env");
        env.forEach((k, v) -> envs.add(k + "=" + v));
        String cwd =
                !c.getWorkingDir().isEmpty() ? c.getWorkingDir() : ic.path("WorkingDir").asText("");
        process.put("cwd", cwd.isEmpty() ? "/" : cwd);
        user(
                process.putObject("user"),
                sc,
                ic.path("User").asText(""),
                rootfs,
                c.getMetadata().getName());
        process.put("noNewPrivileges", sc.getNoNewPrivs());
        LinuxContainerResources res = c.getLinux().getResources();
        if (res.getOomScoreAdj() < -1000 || res.getOomScoreAdj() > 1000)
            throw new InvalidArgumentException(
                    "container "
                            + c.getMetadata().getName()
                            + ": oom_score_adj "
                            + res.getOomScoreAdj()
                            + " is out of the kernel's range: give -1000 to 1000");
        // never below the daemon's own (a process may not lower it without CAP_SYS_RESOURCE; the
        // kubelet asks for what the node allows, as containerd does)
        if (res.getOomScoreAdj() != 0)
            process.put(
                    "oomScoreAdj",
                    Math.max((int) res.getOomScoreAdj(), PauseBundle.ownOomScoreAdj()));
        ObjectNode caps = process.putObject("capabilities");
        List<String> effective = capabilities(sc);
        for (String set : new String[] {"bounding", "effective", "permitted"}) {
            ArrayNode a = caps.putArray(set);
            effective.forEach(a::add);
        }

        ObjectNode root = o.putObject("root");
        root.put("path", "rootfs");
        root.put("readonly", sc.getReadonlyRootfs());

        ArrayNode mounts = o.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(
                mounts,
                "/dev/pts",
                "devpts",
                "devpts",
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=0620",
                "gid=5");
        mount(
                mounts,
                "/dev/shm",
                "tmpfs",
                "shm",
                "nosuid",
                "noexec",
                "nodev",
                "mode=1777",
                "size=65536k");
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(
                mounts,
                "/sys",
                "sysfs",
                "sysfs",
                "nosuid",
                "noexec",
                "nodev",
                sc.getPrivileged() ? "rw" : "ro");
        // the pod's hostname, hosts and resolv.conf, unless the kubelet mounts its own there
        for (String name : pod == null ? List.<String>of() : PodFiles.NAMES) {
            String dest = "/etc/" + name;
            if (c.getMountsList().stream().noneMatch(m -> m.getContainerPath().equals(dest)))
                mount(
                        mounts,
                        dest,
                        "bind",
                        pod.dir().resolve(name).toString(),
                        "rbind",
                        "rprivate",
                        sc.getReadonlyRootfs() ? "ro" : "rw");
        }
        String rootPropagation = null;
        for (Mount m : c.getMountsList()) {
            String propagation =
                    switch (m.getPropagation()) {
                        case PROPAGATION_HOST_TO_CONTAINER -> "rslave";
                        case PROPAGATION_BIDIRECTIONAL -> "rshared";
                        default -> "rprivate";
                    };
            if (propagation.equals("rshared")) rootPropagation = "rshared";
            else if (propagation.equals("rslave") && rootPropagation == null)
                rootPropagation = "rslave";
            mount(
                    mounts,
                    m.getContainerPath(),
                    "bind",
                    hostPath(m).toString(),
                    "rbind",
                    propagation,
                    m.getReadonly() ? "ro" : "rw");
        }

        ObjectNode linux = o.putObject("linux");
        if (rootPropagation != null) linux.put("rootfsPropagation", rootPropagation);
        ArrayNode ns = linux.putArray("namespaces");
        ns.addObject().put("type", "mount");
        if (pod == null) {
            // no pod: namespaces of its own, the network one empty (only lo), as runc spec's
            for (String type : List.of("network", "uts", "ipc", "pid"))
                ns.addObject().put("type", type);
            o.put("hostname", id.length() > 63 ? id.substring(0, 63) : id);
        } else {
            podNamespaces(ns, sc, pod);
            if (!pod.cgroupParent().isEmpty())
                linux.put("cgroupsPath", pod.cgroupParent().replaceAll("/+$", "") + "/" + id);
        }
        ObjectNode seccomp =
                Seccomp.filter(
                        sc.getSeccomp(),
                        sc.hasSeccomp(),
                        sc.getPrivileged(),
                        c.getMetadata().getName());
        if (seccomp != null) linux.set("seccomp", seccomp);
        ObjectNode r = linux.putObject("resources");
        ArrayNode deviceRules = r.putArray("devices");
        deviceRules.addObject().put("allow", sc.getPrivileged()).put("access", "rwm");
        if (sc.getPrivileged()) Devices.host(linux);
        Devices.add(linux, deviceRules, c.getDevicesList(), c.getMetadata().getName());
        ObjectNode cpu = r.putObject("cpu");
        if (res.getCpuShares() > 0) cpu.put("shares", res.getCpuShares());
        if (res.getCpuQuota() > 0) cpu.put("quota", res.getCpuQuota());
        if (res.getCpuPeriod() > 0) cpu.put("period", res.getCpuPeriod());
        if (!res.getCpusetCpus().isEmpty()) cpu.put("cpus", res.getCpusetCpus());
        if (!res.getCpusetMems().isEmpty()) cpu.put("mems", res.getCpusetMems());
        if (res.getMemoryLimitInBytes() > 0)
            r.putObject("memory").put("limit", res.getMemoryLimitInBytes());
        if (!sc.getPrivileged()) {
            ArrayNode masked = linux.putArray("maskedPaths");
            (sc.getMaskedPathsCount() > 0 ? sc.getMaskedPathsList() : MASKED).forEach(masked::add);
            ArrayNode ro = linux.putArray("readonlyPaths");
            (sc.getReadonlyPathsCount() > 0 ? sc.getReadonlyPathsList() : READONLY)
                    .forEach(ro::add);
        }
        return o;
    }

    /** The pod's namespaces a container joins, through its pause process (or a target's). */
    private static void podNamespaces(ArrayNode ns, LinuxContainerSecurityContext sc, Pod pod) {
        String proc = "/proc/" + pod.pausePid() + "/ns/";
        SandboxRecord s = pod.sandbox();
        if (s.network() != NamespaceMode.NODE_VALUE) {
            ns.addObject().put("type", "network").put("path", proc + "net");
            ns.addObject().put("type", "uts").put("path", proc + "uts");
        }
        if (s.ipc() != NamespaceMode.NODE_VALUE)
            ns.addObject().put("type", "ipc").put("path", proc + "ipc");
        switch (sc.getNamespaceOptions().getPid()) {
            case POD -> ns.addObject().put("type", "pid").put("path", proc + "pid");
            case TARGET ->
                    ns.addObject()
                            .put("type", "pid")
                            .put("path", "/proc/" + pod.targetPid() + "/ns/pid");
            case NODE -> {}
            default -> ns.addObject().put("type", "pid");
        }
    }

    /**
     * The kubelet's rule: command replaces the entrypoint, args the cmd (command alone drops it).
     */
    static List<String> argv(ContainerConfig c, JsonNode ic) {
        List<String> out = new ArrayList<>();
        if (c.getCommandCount() > 0) {
            out.addAll(c.getCommandList());
            out.addAll(c.getArgsList());
            return out;
        }
        for (JsonNode e : ic.path("Entrypoint")) out.add(e.asText());
        if (c.getArgsCount() > 0) out.addAll(c.getArgsList());
        else for (JsonNode e : ic.path("Cmd")) out.add(e.asText());
        return out;
    }

    private static void put(Map<String, String> env, String kv) {
        int eq = kv.indexOf('=');
        if (eq > 0) env.put(kv.substring(0, eq), kv.substring(eq + 1));
    }

    /** run_as_user/group, run_as_username, else the image's user; a name from /etc/passwd. */
    private static void user(
            ObjectNode user,
            LinuxContainerSecurityContext sc,
            String imageUser,
            Path rootfs,
            String name)
            throws IOException {
        long uid = 0;
        long gid = 0;
        String who =
                sc.hasRunAsUser()
                        ? String.valueOf(sc.getRunAsUser().getValue())
                        : !sc.getRunAsUsername().isEmpty() ? sc.getRunAsUsername() : imageUser;
        String group = null;
        int colon = who.indexOf(':');
        if (colon >= 0) {
            group = who.substring(colon + 1);
            who = who.substring(0, colon);
        }
        if (!who.isEmpty()) {
            String[] entry = lookup(rootfs, PASSWD, who);
            if (isId(who)) {
                uid = Long.parseLong(who);
                if (entry != null) gid = Long.parseLong(entry[3]);
            } else if (entry != null) {
                uid = Long.parseLong(entry[2]);
                gid = Long.parseLong(entry[3]);
            } else {
                throw new InvalidArgumentException(
                        "container "
                                + name
                                + "'s user \""
                                + who
                                + "\" is not in its image's /etc/passwd: give a uid, or a user the image has");
            }
        }
        if (group != null && !group.isEmpty()) {
            if (isId(group)) gid = Long.parseLong(group);
            else {
                String[] g = lookup(rootfs, GROUP, group);
                if (g == null)
                    throw new InvalidArgumentException(
                            "container "
                                    + name
                                    + "'s group \""
                                    + group
                                    + "\" is not in its image's /etc/group: give a gid");
                gid = Long.parseLong(g[2]);
            }
        }
        if (sc.hasRunAsGroup()) gid = sc.getRunAsGroup().getValue();
        user.put("uid", uid);
        user.put("gid", gid);
        // the groups the image's /etc/group makes the user a member of, then the request's
        Set<Long> more = new LinkedHashSet<>();
        // no user at all is root, whose memberships count as any named user's do (containerd's)
        String userName = who.isEmpty() ? "root" : isId(who) ? null : who;
        if (userName == null && !who.isEmpty()) {
            String[] entry = lookup(rootfs, PASSWD, who);
            if (entry != null) userName = entry[0];
        }
        if (userName != null) more.addAll(memberships(rootfs, userName));
        more.addAll(sc.getSupplementalGroupsList());
        more.remove(gid);
        if (!more.isEmpty()) {
            ArrayNode gids = user.putArray("additionalGids");
            more.forEach(gids::add);
        }
    }

    private static final String PASSWD = "/etc/passwd";
    private static final String GROUP = "/etc/group";

    /** The gids of the groups the image's group file lists user as a member of. */
    private static List<Long> memberships(Path rootfs, String user) {
        List<Long> out = new ArrayList<>();
        for (String line : ImageFiles.lines(rootfs, GROUP).orElse(List.of())) {
            String[] f = line.split(":", -1);
            if (f.length < 4 || !isId(f[2])) continue;
            for (String member : f[3].split(",", -1))
                if (!member.isBlank() && member.strip().equals(user)) out.add(Long.parseLong(f[2]));
        }
        return out;
    }

    /**
     * The line of the image's passwd or group file whose name (or, for a number, id) is key; lines
     * whose ids are no numbers are passed over, as libc does.
     */
    private static String[] lookup(Path rootfs, String file, String key) {
        for (String line : ImageFiles.lines(rootfs, file).orElse(List.of())) {
            String[] f = line.split(":", -1);
            if (f.length < 4 || !isId(f[2]) || (file.equals(PASSWD) && !isId(f[3]))) continue;
            if (f[0].equals(key) || (isId(key) && f[2].equals(key))) return f;
        }
        return null;
    }

    /** A uid or gid: digits, in range. */
    private static boolean isId(String s) {
        return s.matches("\\d{1,10}") && Long.parseLong(s) <= 0xFFFF_FFFFL;
    }

    /** Docker's defaults, plus add, minus drop; ALL in either; privileged has every one. */
    static List<String> capabilities(LinuxContainerSecurityContext sc) throws IOException {
        List<String> all = allCaps();
        if (sc.getPrivileged()) return all;
        Capability c = sc.getCapabilities();
        Set<String> caps = new LinkedHashSet<>(DEFAULT_CAPS);
        for (String add : c.getAddCapabilitiesList()) {
            if (add.equalsIgnoreCase("ALL")) caps.addAll(all);
            else caps.add(capName(add));
        }
        for (String drop : c.getDropCapabilitiesList()) {
            if (drop.equalsIgnoreCase("ALL")) caps.clear();
            else caps.remove(capName(drop));
        }
        // an add after drop ALL (the usual "drop everything, add this") is kept
        if (c.getDropCapabilitiesList().stream().anyMatch(d -> d.equalsIgnoreCase("ALL")))
            for (String add : c.getAddCapabilitiesList())
                if (!add.equalsIgnoreCase("ALL")) caps.add(capName(add));
        return List.copyOf(caps);
    }

    private static String capName(String name) {
        String n = name.toUpperCase(java.util.Locale.ROOT);
        if (!n.startsWith("CAP_")) n = "CAP_" + n;
        if (!ALL_CAPS.contains(n))
            throw new InvalidArgumentException(
                    "capability \""
                            + name
                            + "\" is unknown: give one of capabilities(7), e.g. NET_ADMIN");
        return n;
    }

    /**
     * Every capability the daemon itself may give: its bounding set (containerd's "all current
     * capabilities"). Root here may lack one (CAP_SYS_RESOURCE on this kind of machine), and runc
     * cannot apply a capability its caller does not have.
     */
    private static List<String> allCaps() throws IOException {
        long bounding = 0;
        for (String line : ProcFs.read(Path.of("/proc/self/status")).lines().toList())
            if (line.startsWith("CapBnd:"))
                bounding = Long.parseUnsignedLong(line.substring(7).strip(), 16);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ALL_CAPS.size(); i++)
            if ((bounding & (1L << i)) != 0) out.add(ALL_CAPS.get(i));
        return out;
    }

    /** A host path, its symlinks followed (the CRI asks so); it must exist. */
    private static Path hostPath(Mount m) throws IOException {
        Path p = Path.of(m.getHostPath());
        if (!p.isAbsolute())
            throw new InvalidArgumentException(
                    "mount host path \"" + m.getHostPath() + "\" is not absolute");
        try {
            return p.toRealPath();
        } catch (NoSuchFileException e) {
            throw new InvalidArgumentException(
                    "mount host path \""
                            + m.getHostPath()
                            + "\" does not exist: create it, or give one that does");
        }
    }

    /** Adds an OCI mount. */
    static void mount(
            ArrayNode mounts, String dest, String type, String source, String... options) {
        ObjectNode m = mounts.addObject();
        m.put("destination", dest);
        m.put("type", type);
        m.put("source", source);
        ArrayNode o = m.putArray("options");
        for (String option : options) o.add(option);
    }
}
