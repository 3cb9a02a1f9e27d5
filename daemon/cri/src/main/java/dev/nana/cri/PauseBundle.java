package dev.nana.cri;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nana.InvalidArgumentException;
import dev.nana.cri.v1.LinuxPodSandboxConfig;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.NamespaceOption;
import dev.nana.supervisor.os.ProcFs;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The OCI bundle of a sandbox's pause process: Debian's static catatonit in pause mode ({@code
 * catatonit -P}), bind-mounted read-only into an otherwise empty read-only rootfs, holding the
 * pod's network, IPC, UTS and (unless the node's) PID namespaces for its containers to join.
 */
final class PauseBundle {
    /** Where setup installs the pause binary (Debian's catatonit package). */
    static final Path PAUSE_BINARY = Path.of("/usr/bin/catatonit");

    /**
     * What kubelet asks for the pause process; clamped to the daemon's own, since lowering it needs
     * CAP_SYS_RESOURCE, which root may lack (runc then fails).
     */
    private static final int PAUSE_OOM_SCORE_ADJ = -998;

    private PauseBundle() {}

    /** Writes bundle/config.json and its empty rootfs for a sandbox. */
    static void write(Path bundle, SandboxRecord record, LinuxPodSandboxConfig linux)
            throws IOException {
        if (!Files.isExecutable(PAUSE_BINARY)) {
            throw new dev.nana.FailedPreconditionException(
                    "the pause process "
                            + PAUSE_BINARY
                            + " is missing: install Debian's catatonit (scripts/setup does)");
        }
        Path rootfs = bundle.resolve("rootfs");
        for (String dir : new String[] {"proc", "dev"})
            Files.createDirectories(rootfs.resolve(dir));
        if (!Files.exists(rootfs.resolve("pause"))) Files.createFile(rootfs.resolve("pause"));
        StateFiles.write(bundle.resolve("config.json"), config(record, linux));
    }

    private static ObjectNode config(SandboxRecord r, LinuxPodSandboxConfig linux) {
        var json = StateFiles.JSON;
        ObjectNode c = json.createObjectNode();
        c.put("ociVersion", "1.0.2");
        ObjectNode process = c.putObject("process");
        process.put("terminal", false);
        ObjectNode user = process.putObject("user");
        var security = linux.getSecurityContext();
        user.put("uid", security.hasRunAsUser() ? security.getRunAsUser().getValue() : 0);
        user.put("gid", security.hasRunAsGroup() ? security.getRunAsGroup().getValue() : 0);
        process.putArray("args").add("/pause").add("-P");
        process.putArray("env")
                .add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        process.put("cwd", "/");
        process.put("noNewPrivileges", true);
        process.put("oomScoreAdj", Math.max(PAUSE_OOM_SCORE_ADJ, ownOomScoreAdj()));
        // the pause process needs no capability at all
        ObjectNode caps = process.putObject("capabilities");
        for (String set : new String[] {"bounding", "effective", "permitted"}) caps.putArray(set);

        ObjectNode root = c.putObject("root");
        root.put("path", "rootfs");
        root.put("readonly", true);
        if (r.network() != NamespaceMode.NODE_VALUE && !r.hostname().isEmpty())
            c.put("hostname", r.hostname());

        ArrayNode mounts = c.putArray("mounts");
        ContainerBundle.mount(
                mounts,
                "/pause",
                "bind",
                PAUSE_BINARY.toString(),
                "rbind",
                "ro",
                "nosuid",
                "nodev");
        ContainerBundle.mount(mounts, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
        ContainerBundle.mount(
                mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=64k");

        ObjectNode l = c.putObject("linux");
        ArrayNode namespaces = l.putArray("namespaces");
        namespaces.addObject().put("type", "mount");
        if (r.network() != NamespaceMode.NODE_VALUE) {
            namespaces.addObject().put("type", "network");
            namespaces.addObject().put("type", "uts"); // a pod on the host's network keeps its name
        }
        if (r.ipc() != NamespaceMode.NODE_VALUE) namespaces.addObject().put("type", "ipc");
        if (r.pid() != NamespaceMode.NODE_VALUE) namespaces.addObject().put("type", "pid");
        if (!linux.getCgroupParent().isEmpty())
            l.put("cgroupsPath", linux.getCgroupParent().replaceAll("/+$", "") + "/" + r.id());
        if (!linux.getSysctlsMap().isEmpty()) {
            ObjectNode sysctl = l.putObject("sysctl");
            for (Map.Entry<String, String> e : linux.getSysctlsMap().entrySet())
                sysctl.put(e.getKey(), e.getValue());
        }
        l.putArray("maskedPaths")
                .add("/proc/acpi")
                .add("/proc/kcore")
                .add("/proc/keys")
                .add("/proc/latency_stats")
                .add("/proc/timer_list")
                .add("/proc/sched_debug")
                .add("/proc/scsi")
                .add("/sys/firmware");
        l.putArray("readonlyPaths")
                .add("/proc/bus")
                .add("/proc/fs")
                .add("/proc/irq")
                .add("/proc/sys")
                .add("/proc/sysrq-trigger");
        return c;
    }

    /** The namespace modes a sandbox asks for, each checked: TARGET has no meaning for a pod. */
    static int mode(NamespaceMode m, String which) {
        if (m == NamespaceMode.TARGET || m == NamespaceMode.UNRECOGNIZED) {
            throw new InvalidArgumentException(
                    "a pod's "
                            + which
                            + " namespace mode cannot be "
                            + m
                            + ": give POD, CONTAINER or NODE");
        }
        return m.getNumber();
    }

    static NamespaceOption options(SandboxRecord r) {
        return NamespaceOption.newBuilder()
                .setNetworkValue(r.network())
                .setPidValue(r.pid())
                .setIpcValue(r.ipc())
                .build();
    }

    static int ownOomScoreAdj() {
        try {
            return Integer.parseInt(ProcFs.read(Path.of("/proc/self/oom_score_adj")).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
