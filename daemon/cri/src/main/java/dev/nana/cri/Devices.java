package dev.nana.cri;

import static dev.nana.oci.SpecOpts.withDevice;
import static dev.nana.oci.SpecOpts.withDeviceRule;

import dev.nana.InvalidArgumentException;
import dev.nana.cri.v1.Device;
import dev.nana.oci.Spec;
import dev.nana.oci.SpecOpt;
import dev.nana.oci.SpecOpts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A container's host devices (ContainerConfig.devices): each one a node the runtime makes in the
 * container's /dev and a rule of its device cgroup that lets the container use it as the request's
 * permissions say. A folder gives every device under it (as containerd does); a symlink is followed
 * (e.g. /dev/disk/by-id/...).
 */
final class Devices {
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;

    /** Folders of /dev that are mounts of their own in a container, or no devices. */
    private static final java.util.Set<String> NOT_HOST_DEVICES =
            java.util.Set.of("pts", "shm", "fd", "mqueue", "hugepages");

    private Devices() {}

    /**
     * Every device of the node, for a privileged container (as containerd gives it): the nodes
     * under /dev but those in folders a container mounts its own of; the cgroup already allows them
     * all.
     */
    static SpecOpt host() throws IOException {
        List<SpecOpt> nodes = new ArrayList<>();
        Path dev = Path.of("/dev");
        try (Stream<Path> s = Files.walk(dev)) {
            for (Path p : s.toList()) {
                Path rel = dev.relativize(p);
                if (rel.getNameCount() > 1 && NOT_HOST_DEVICES.contains(rel.getName(0).toString()))
                    continue;
                String type = type(p);
                if (type == null || p.toString().equals("/dev/console")) continue;
                nodes.addAll(node(p, p.toString(), "rwm", false));
            }
        }
        return SpecOpts.all(nodes);
    }

    /** The devices as nodes (linux.devices) and the cgroup rules that allow them. */
    static SpecOpt of(List<Device> devices, String container) throws IOException {
        List<SpecOpt> nodes = new ArrayList<>();
        for (Device d : devices) {
            String permissions = d.getPermissions().isEmpty() ? "rwm" : d.getPermissions();
            if (!permissions.matches("[rwm]{1,3}"))
                throw new InvalidArgumentException(
                        "device "
                                + d.getHostPath()
                                + " of container "
                                + container
                                + " has permissions \""
                                + permissions
                                + "\": give some of r, w and m");
            Path host;
            try {
                host = Path.of(d.getHostPath()).toRealPath();
            } catch (NoSuchFileException e) {
                throw new InvalidArgumentException(
                        "device "
                                + d.getHostPath()
                                + " of container "
                                + container
                                + " does not exist on this node: give a device that does");
            }
            String inside = d.getContainerPath().isEmpty() ? d.getHostPath() : d.getContainerPath();
            if (Files.isDirectory(host)) {
                try (Stream<Path> s = Files.walk(host)) {
                    for (Path p : s.filter(p -> type(p) != null).toList())
                        nodes.addAll(node(p, inside + "/" + host.relativize(p), permissions, true));
                }
            } else if (type(host) != null) {
                nodes.addAll(node(host, inside, permissions, true));
            } else {
                throw new InvalidArgumentException(
                        "\""
                                + d.getHostPath()
                                + "\" given as a device of container "
                                + container
                                + " is no device: give a character or block device");
            }
        }
        return SpecOpts.all(nodes);
    }

    /** The node of host at inside, and the rule that allows it when asked for. */
    private static List<SpecOpt> node(Path host, String inside, String permissions, boolean rule)
            throws IOException {
        long rdev = (Long) Files.getAttribute(host, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(host, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        long major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >> 12) & ~0xffL);
        String type = type(host);
        SpecOpt node = withDevice(new Spec.Device(inside, type, major, minor, mode & 07777));
        if (!rule) return List.of(node);
        return List.of(
                node, withDeviceRule(new Spec.DeviceRule(true, type, major, minor, permissions)));
    }

    /** "c" or "b" for a character or block device, null for anything else. */
    private static String type(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return switch (mode & S_IFMT) {
                case S_IFCHR -> "c";
                case S_IFBLK -> "b";
                default -> null;
            };
        } catch (IOException e) {
            return null;
        }
    }
}
