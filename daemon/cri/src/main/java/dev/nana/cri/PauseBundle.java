package dev.nana.cri;

import static dev.nana.oci.SpecOpts.*;

import dev.nana.InvalidArgumentException;
import dev.nana.cri.v1.LinuxPodSandboxConfig;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.NamespaceOption;
import dev.nana.oci.Spec;
import dev.nana.oci.SpecOpt;
import dev.nana.oci.SpecOpts;
import dev.nana.supervisor.os.ProcFs;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        StateFiles.writeBytes(bundle.resolve("config.json"), config(record, linux).toJson());
    }

    /**
     * A pod's or container's cgroup, under the kubelet's cgroup_parent: a folder of the hierarchy,
     * as nana drives cgroups by path (cgroupfs; its RuntimeConfig says so).
     */
    static SpecOpt cgroupUnder(String parent, String id, String what) {
        requireCgroupfs(parent, what);
        return withCgroupsPath(parent.replaceAll("/+$", "") + "/" + id);
    }

    /**
     * A systemd slice for a parent (a kubelet with cgroupDriver systemd) is refused, saying why.
     */
    static void requireCgroupfs(String parent, String what) {
        if (parent.endsWith(".slice"))
            throw new InvalidArgumentException(
                    what
                            + ": cgroup_parent \""
                            + parent
                            + "\" is a systemd slice, and nana drives cgroups by path (cgroupfs, as"
                            + " its RuntimeConfig says): set the kubelet's cgroupDriver to cgroupfs");
    }

    static Spec config(SandboxRecord r, LinuxPodSandboxConfig linux) {
        var security = linux.getSecurityContext();
        List<SpecOpt> o = new ArrayList<>();
        o.add(withTerminal(false));
        o.add(
                withUser(
                        security.hasRunAsUser() ? security.getRunAsUser().getValue() : 0,
                        security.hasRunAsGroup() ? security.getRunAsGroup().getValue() : 0,
                        List.of()));
        o.add(withProcessArgs(List.of("/pause", "-P")));
        o.add(withEnv(List.of(DEFAULT_PATH)));
        o.add(withCwd("/"));
        o.add(withNoNewPrivileges(true));
        o.add(withOomScoreAdj(Math.max(PAUSE_OOM_SCORE_ADJ, ownOomScoreAdj())));
        o.add(withCapabilities(List.of())); // the pause process needs no capability at all
        o.add(withRoot("rootfs", true));
        if (r.network() != NamespaceMode.NODE_VALUE && !r.hostname().isEmpty())
            o.add(withHostname(r.hostname()));
        o.add(
                withMount(
                        "/pause",
                        "bind",
                        PAUSE_BINARY.toString(),
                        "rbind",
                        "ro",
                        "nosuid",
                        "nodev"));
        o.add(withMount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"));
        o.add(withMount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=64k"));
        o.add(withNewNamespaces("mount"));
        // a pod on the host's network keeps the host's name
        if (r.network() != NamespaceMode.NODE_VALUE) o.add(withNewNamespaces("network", "uts"));
        if (r.ipc() != NamespaceMode.NODE_VALUE) o.add(withNewNamespaces("ipc"));
        if (r.pid() != NamespaceMode.NODE_VALUE) o.add(withNewNamespaces("pid"));
        if (!linux.getCgroupParent().isEmpty())
            o.add(cgroupUnder(linux.getCgroupParent(), r.id(), "pod sandbox " + r.podName()));
        o.add(withSysctl(linux.getSysctlsMap()));
        o.add(withMaskedPaths(MASKED_PATHS));
        o.add(withReadonlyPaths(READONLY_PATHS));
        return SpecOpts.build(o);
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
