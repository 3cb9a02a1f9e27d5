package dev.nana.images;

import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's root filesystem: an overlay mount of its image's shared layers (read-only, the top
 * one first) and an upper folder of its own. No layer is copied: preparing one is a mount.
 */
public final class RootFs {
    private RootFs() {}

    /** Mounts the overlay at rootfs, with upper and work beside it in dir. */
    public static void mount(ImageStore images, ImageRecord image, Path dir, Path rootfs)
            throws IOException {
        Path upper = dir.resolve("upper");
        Path work = dir.resolve("work");
        Files.createDirectories(upper);
        Files.createDirectories(work);
        Files.createDirectories(rootfs);
        List<String> lower = new ArrayList<>();
        for (String diffId : image.diffIds().reversed()) lower.add(images.layer(diffId).toString());
        String options =
                "lowerdir=" + String.join(":", lower) + ",upperdir=" + upper + ",workdir=" + work;
        LibNana.mount("overlay", rootfs, "overlay", 0, options);
    }

    /** Unmounts rootfs if it is mounted (lazily: a process still inside keeps it alive). */
    public static void unmount(Path rootfs) {
        try {
            LibNana.umount(rootfs, LibNana.MNT_DETACH);
        } catch (OsException e) {
            // not mounted (EINVAL) or gone (ENOENT)
        }
    }
}
