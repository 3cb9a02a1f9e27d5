package dev.nana.cri;

import static dev.nana.oci.SpecOpts.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nana.InvalidArgumentException;
import dev.nana.cri.v1.Capability;
import dev.nana.cri.v1.ContainerConfig;
import dev.nana.cri.v1.KeyValue;
import dev.nana.cri.v1.LinuxContainerResources;
import dev.nana.cri.v1.LinuxContainerSecurityContext;
import dev.nana.cri.v1.Mount;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.images.ImageFiles;
import dev.nana.oci.Spec;
import dev.nana.oci.SpecOpt;
import dev.nana.oci.SpecOpts;
import dev.nana.supervisor.os.ProcFs;
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

    private ContainerBundle() {}

    /** Where the container joins its pod: the pause process's pid, and the target's. */
    record Pod(SandboxRecord sandbox, Path dir, String cgroupParent, int pausePid, int targetPid) {}

    /**
     * The OCI config of a container: of a pod's (joining its namespaces), or with pod null of no
     * pod (namespaces of its own).
     */
    static Spec config(ContainerConfig c, JsonNode image, Pod pod, Path rootfs, String id)
            throws IOException {
        JsonNode ic = image.path("config");
        LinuxContainerSecurityContext sc = c.getLinux().getSecurityContext();
        String name = c.getMetadata().getName();
        requireOneUser(sc, name);
        List<SpecOpt> o = new ArrayList<>();
        o.add(withTerminal(c.getTty()));
        o.add(withProcessArgs(nonEmpty(argv(c, ic), name)));
        o.add(withEnvMap(env(ic, c.getEnvsList())));
        String wd =
                !c.getWorkingDir().isEmpty() ? c.getWorkingDir() : ic.path("WorkingDir").asText("");
        o.add(withCwd(wd.isEmpty() ? "/" : wd));
        String who =
                sc.hasRunAsUser()
                        ? String.valueOf(sc.getRunAsUser().getValue())
                        : !sc.getRunAsUsername().isEmpty()
                                ? sc.getRunAsUsername()
                                : ic.path("User").asText("");
        o.add(
                user(
                        who,
                        sc.hasRunAsGroup() ? sc.getRunAsGroup().getValue() : null,
                        sc.getSupplementalGroupsList(),
                        rootfs,
                        name));
        o.add(withNoNewPrivileges(sc.getNoNewPrivs()));
        LinuxContainerResources res = c.getLinux().getResources();
        if (res.getOomScoreAdj() < -1000 || res.getOomScoreAdj() > 1000)
            throw new InvalidArgumentException(
                    "container "
                            + name
                            + ": oom_score_adj "
                            + res.getOomScoreAdj()
                            + " is out of the kernel's range: give -1000 to 1000");
        // never below the daemon's own (a process may not lower it without CAP_SYS_RESOURCE; the
        // kubelet asks for what the node allows, as containerd does)
        if (res.getOomScoreAdj() != 0)
            o.add(
                    withOomScoreAdj(
                            Math.max((int) res.getOomScoreAdj(), PauseBundle.ownOomScoreAdj())));
        o.add(withCapabilities(capabilities(sc)));
        o.add(withRoot("rootfs", sc.getReadonlyRootfs()));

        o.add(withDefaultMounts(sc.getPrivileged()));
        // the pod's hostname, hosts and resolv.conf, unless the kubelet mounts its own there
        for (String file : pod == null ? List.<String>of() : PodFiles.NAMES) {
            String dest = "/etc/" + file;
            if (c.getMountsList().stream().noneMatch(m -> m.getContainerPath().equals(dest)))
                o.add(
                        withBind(
                                dest,
                                pod.dir().resolve(file).toString(),
                                "rprivate",
                                sc.getReadonlyRootfs()));
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
            o.add(
                    withBind(
                            m.getContainerPath(),
                            hostPath(m).toString(),
                            propagation,
                            m.getReadonly()));
        }
        if (rootPropagation != null) o.add(withRootfsPropagation(rootPropagation));

        o.add(withNewNamespaces("mount"));
        if (pod == null) {
            // no pod: namespaces of its own, the network one empty (only lo), as runc spec's
            o.add(withNewNamespaces("network", "uts", "ipc", "pid"));
            o.add(withHostname(id));
        } else {
            o.add(podNamespaces(sc, pod));
            if (!pod.cgroupParent().isEmpty())
                o.add(PauseBundle.cgroupUnder(pod.cgroupParent(), id, "container " + name));
        }
        o.add(
                withSeccomp(
                        Seccomp.filter(
                                sc.getSeccomp(), sc.hasSeccomp(), sc.getPrivileged(), name)));
        o.add(withDeviceRule(new Spec.DeviceRule(sc.getPrivileged(), null, null, null, "rwm")));
        if (sc.getPrivileged()) o.add(Devices.host());
        o.add(Devices.of(c.getDevicesList(), name));
        if (res.getCpuShares() > 0
                || res.getCpuQuota() > 0
                || res.getCpuPeriod() > 0
                || !res.getCpusetCpus().isEmpty()
                || !res.getCpusetMems().isEmpty())
            o.add(
                    withCpu(
                            cpu -> {
                                if (res.getCpuShares() > 0) cpu.shares = res.getCpuShares();
                                if (res.getCpuQuota() > 0) cpu.quota = res.getCpuQuota();
                                if (res.getCpuPeriod() > 0) cpu.period = res.getCpuPeriod();
                                if (!res.getCpusetCpus().isEmpty()) cpu.cpus = res.getCpusetCpus();
                                if (!res.getCpusetMems().isEmpty()) cpu.mems = res.getCpusetMems();
                            }));
        if (res.getMemoryLimitInBytes() > 0) o.add(withMemoryLimit(res.getMemoryLimitInBytes()));
        if (!sc.getPrivileged()) {
            o.add(
                    withMaskedPaths(
                            sc.getMaskedPathsCount() > 0 ? sc.getMaskedPathsList() : MASKED_PATHS));
            o.add(
                    withReadonlyPaths(
                            sc.getReadonlyPathsCount() > 0
                                    ? sc.getReadonlyPathsList()
                                    : READONLY_PATHS));
        }
        return SpecOpts.build(o);
    }

    /**
     * The OCI config of a container made from an image alone (nana run --image, {@code
     * ContainerSpec.fromImage}): the image's process, user and working folder, Docker's default
     * capabilities, and namespaces of its own.
     */
    static Spec forImage(JsonNode image, Path rootfs, String id) throws IOException {
        JsonNode ic = image.path("config");
        String wd = ic.path("WorkingDir").asText("");
        return SpecOpts.build(
                withTerminal(false),
                withProcessArgs(nonEmpty(imageArgv(ic, List.of()), id)),
                withEnvMap(env(ic, List.of())),
                withCwd(wd.isEmpty() ? "/" : wd),
                user(ic.path("User").asText(""), null, List.of(), rootfs, id),
                withNoNewPrivileges(false),
                withCapabilities(DEFAULT_CAPABILITIES),
                withRoot("rootfs", false),
                withDefaultMounts(false),
                withNewNamespaces("mount", "network", "uts", "ipc", "pid"),
                withHostname(id),
                withDeviceRule(new Spec.DeviceRule(false, null, null, null, "rwm")),
                withMaskedPaths(MASKED_PATHS),
                withReadonlyPaths(READONLY_PATHS));
    }

    private static List<String> nonEmpty(List<String> argv, String name) {
        if (argv.isEmpty())
            throw new InvalidArgumentException(
                    "container "
                            + name
                            + " has no command: its image has no entrypoint or cmd; give command or args");
        return argv;
    }

    /** The image's environment, PATH given when it has none, then the request's over it. */
    private static Map<String, String> env(JsonNode ic, List<KeyValue> request) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : ic.path("Env")) put(env, e.asText());
        if (!env.containsKey("PATH")) put(env, DEFAULT_PATH);
        for (KeyValue kv : request) env.put(kv.getKey(), kv.getValue());
        return env;
    }

    /** The pod's namespaces a container joins, through its pause process (or a target's). */
    private static SpecOpt podNamespaces(LinuxContainerSecurityContext sc, Pod pod) {
        String proc = "/proc/" + pod.pausePid() + "/ns/";
        SandboxRecord s = pod.sandbox();
        List<SpecOpt> o = new ArrayList<>();
        if (s.network() != NamespaceMode.NODE_VALUE) {
            o.add(withJoinedNamespace("network", proc + "net"));
            o.add(withJoinedNamespace("uts", proc + "uts"));
        }
        if (s.ipc() != NamespaceMode.NODE_VALUE) o.add(withJoinedNamespace("ipc", proc + "ipc"));
        switch (sc.getNamespaceOptions().getPid()) {
            case POD -> o.add(withJoinedNamespace("pid", proc + "pid"));
            case TARGET ->
                    o.add(withJoinedNamespace("pid", "/proc/" + pod.targetPid() + "/ns/pid"));
            case NODE -> {}
            default -> o.add(withNewNamespaces("pid"));
        }
        return SpecOpts.all(o);
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
        return imageArgv(ic, c.getArgsList());
    }

    /** The image's entrypoint, then args if given, else its cmd. */
    private static List<String> imageArgv(JsonNode ic, List<String> args) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : ic.path("Entrypoint")) out.add(e.asText());
        if (!args.isEmpty()) out.addAll(args);
        else for (JsonNode e : ic.path("Cmd")) out.add(e.asText());
        return out;
    }

    private static void put(Map<String, String> env, String kv) {
        int eq = kv.indexOf('=');
        if (eq > 0) env.put(kv.substring(0, eq), kv.substring(eq + 1));
    }

    /**
     * The process's user: who is a uid or a name from the image's /etc/passwd, with :group by gid
     * or name; runAsGroup (or null) wins over both; the groups /etc/group makes the user a member
     * of, then the supplemental ones, are its additional gids.
     */
    private static SpecOpt user(
            String who, Long runAsGroup, List<Long> supplemental, Path rootfs, String name) {
        long uid = 0;
        long gid = 0;
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
        if (runAsGroup != null) gid = runAsGroup;
        // the groups the image's /etc/group makes the user a member of, then the request's
        Set<Long> more = new LinkedHashSet<>();
        // no user at all is root, whose memberships count as any named user's do (containerd's)
        String userName = who.isEmpty() ? "root" : isId(who) ? null : who;
        if (userName == null && !who.isEmpty()) {
            String[] entry = lookup(rootfs, PASSWD, who);
            if (entry != null) userName = entry[0];
        }
        if (userName != null) more.addAll(memberships(rootfs, userName));
        more.addAll(supplemental);
        return withUser(uid, gid, more);
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

    /**
     * The CRI's rules for who a container runs as: run_as_user or run_as_username, not both, and
     * run_as_group only with one of them (api.proto: "otherwise, the runtime MUST error").
     */
    static void requireOneUser(LinuxContainerSecurityContext sc, String name) {
        if (sc.hasRunAsUser() && !sc.getRunAsUsername().isEmpty())
            throw new InvalidArgumentException(
                    "container "
                            + name
                            + ": run_as_user "
                            + sc.getRunAsUser().getValue()
                            + " and run_as_username \""
                            + sc.getRunAsUsername()
                            + "\" are both set: give one of them");
        if (sc.hasRunAsGroup() && !sc.hasRunAsUser() && sc.getRunAsUsername().isEmpty())
            throw new InvalidArgumentException(
                    "container "
                            + name
                            + ": run_as_group "
                            + sc.getRunAsGroup().getValue()
                            + " is set without run_as_user or run_as_username: give the user as"
                            + " well (the CRI refuses a group alone)");
    }

    /** Docker's defaults, plus add, minus drop; ALL in either; privileged has every one. */
    static List<String> capabilities(LinuxContainerSecurityContext sc) throws IOException {
        List<String> all = allCaps();
        if (sc.getPrivileged()) return all;
        Capability c = sc.getCapabilities();
        Set<String> caps = new LinkedHashSet<>(DEFAULT_CAPABILITIES);
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
}
