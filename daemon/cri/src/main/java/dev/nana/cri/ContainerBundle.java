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
import dev.nana.images.ImageProcess;
import dev.nana.oci.Spec;
import dev.nana.oci.SpecOpt;
import dev.nana.oci.SpecOpts;
import dev.nana.supervisor.os.ProcFs;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
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
        o.add(withProcessArgs(ImageProcess.nonEmpty(argv(c, ic), name)));
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
                ImageProcess.user(
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

    /** The image's environment, then the request's over it. */
    private static Map<String, String> env(JsonNode ic, List<KeyValue> request) {
        Map<String, String> env = ImageProcess.env(ic);
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
        return ImageProcess.argv(ic, c.getArgsList());
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
