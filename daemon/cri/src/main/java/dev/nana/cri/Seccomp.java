package dev.nana.cri;

import dev.nana.InvalidArgumentException;
import dev.nana.cri.v1.SecurityProfile;
import dev.nana.oci.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * A container's seccomp filter, as its security context asks: none (Unconfined, and every
 * privileged container), nana's runtime default, or a profile file on the node (Localhost), in the
 * OCI form runc and crun take.
 *
 * <p>nana's default allows every system call but those a container has no business making: the
 * kernel's modules, keyring, reboot, swap, clock, accounting, kexec, BPF, performance events,
 * userfaultfd, handle-based opens, other processes' memory, and the mount and namespace calls; each
 * fails with EPERM. (Docker's default is an allow-list of some 350 calls; this deny-list blocks the
 * same dangerous ones and keeps working with programs built after the list was.)
 */
final class Seccomp {
    static final List<String> DENIED =
            List.of(
                    "acct",
                    "add_key",
                    "bpf",
                    "clock_adjtime",
                    "clock_settime",
                    "create_module",
                    "delete_module",
                    "finit_module",
                    "fsconfig",
                    "fsmount",
                    "fsopen",
                    "fspick",
                    "get_kernel_syms",
                    "init_module",
                    "ioperm",
                    "iopl",
                    "kcmp",
                    "kexec_file_load",
                    "kexec_load",
                    "keyctl",
                    "lookup_dcookie",
                    "move_mount",
                    "name_to_handle_at",
                    "nfsservctl",
                    "open_by_handle_at",
                    "open_tree",
                    "perf_event_open",
                    "pivot_root",
                    "process_vm_readv",
                    "process_vm_writev",
                    "query_module",
                    "quotactl",
                    "reboot",
                    "request_key",
                    "setns",
                    "settimeofday",
                    "stime",
                    "swapoff",
                    "swapon",
                    "syslog",
                    "sysfs",
                    "umount",
                    "umount2",
                    "unshare",
                    "uselib",
                    "userfaultfd",
                    "ustat",
                    "vm86",
                    "vm86old");

    private static final int EPERM = 1;

    /** A profile file larger than this is refused (Docker's default is 20 KiB). */
    private static final long MAX_PROFILE_BYTES = 1 << 20;

    private Seccomp() {}

    /**
     * The linux.seccomp object for profile, or null for none: a container whose request sets no
     * profile runs unconfined, as containerd runs it.
     */
    static Spec.Seccomp filter(
            SecurityProfile profile, boolean set, boolean privileged, String container)
            throws IOException {
        if (!set || privileged) return null; // a privileged container has no seccomp filter
        return switch (profile.getProfileType()) {
            case Unconfined -> null;
            case RuntimeDefault -> runtimeDefault();
            case Localhost -> localhost(profile.getLocalhostRef(), container);
            default ->
                    throw new InvalidArgumentException(
                            "container "
                                    + container
                                    + ": unknown seccomp profile type "
                                    + profile.getProfileTypeValue());
        };
    }

    static Spec.Seccomp runtimeDefault() {
        Spec.Seccomp f = new Spec.Seccomp();
        f.defaultAction = "SCMP_ACT_ALLOW";
        f.architectures = List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        Spec.Syscall deny = new Spec.Syscall();
        deny.names = DENIED;
        deny.action = "SCMP_ACT_ERRNO";
        deny.errnoRet = EPERM;
        f.syscalls = List.of(deny);
        return f;
    }

    /**
     * A profile file in the OCI form ({@code defaultAction}, {@code architectures}, {@code
     * syscalls} with names, action, errnoRet and args), as kubelet's {@code localhost/} profiles
     * are written; Docker's conditional entries (includes, excludes) are refused, naming them.
     */
    static Spec.Seccomp localhost(String ref, String container) throws IOException {
        Path file = Path.of(ref);
        if (!file.isAbsolute())
            throw new InvalidArgumentException(
                    "container "
                            + container
                            + ": seccomp profile \""
                            + ref
                            + "\" is not an absolute path");
        Spec.Seccomp f;
        try {
            if (Files.size(file) > MAX_PROFILE_BYTES)
                throw new InvalidArgumentException(
                        "container "
                                + container
                                + ": seccomp profile \""
                                + ref
                                + "\" is larger than 1 MiB: that is no seccomp profile");
            f = Spec.read(Files.readAllBytes(file), Spec.Seccomp.class);
        } catch (NoSuchFileException e) {
            throw new InvalidArgumentException(
                    "container "
                            + container
                            + ": seccomp profile \""
                            + ref
                            + "\" does not exist on this node");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidArgumentException(
                    "container "
                            + container
                            + ": seccomp profile \""
                            + ref
                            + "\" is not a seccomp profile in JSON: "
                            + e.getOriginalMessage());
        }
        if (f.defaultAction == null)
            throw new InvalidArgumentException(
                    "container "
                            + container
                            + ": seccomp profile \""
                            + ref
                            + "\" has no defaultAction");
        // only what the OCI form has: Docker's extras (archMap, comments) are left out
        f.other().clear();
        for (Spec.Syscall s : f.syscalls == null ? List.<Spec.Syscall>of() : f.syscalls) {
            if (s.other().containsKey("includes") || s.other().containsKey("excludes"))
                throw new InvalidArgumentException(
                        "container "
                                + container
                                + ": seccomp profile \""
                                + ref
                                + "\" has Docker's conditional entries (includes, excludes), which the OCI form has not: write them out");
            s.other().clear();
        }
        return f;
    }
}
