package dev.nana.cri;

import dev.nana.AlreadyExistsException;
import dev.nana.InvalidArgumentException;
import dev.nana.Supervisor;
import dev.nana.cri.v1.CheckpointContainerRequest;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The CRI's CheckpointContainer (the kubelet's forensic checkpoint): the running container is
 * checkpointed with CRIU through nana's checkpoint (it runs on), and the image is written as a tar
 * at the location asked, its CRIU files under {@code checkpoint/}; a machine whose CRIU cannot do
 * it gets nana's refusal, which names what to install, and nothing is written.
 */
final class ContainerCheckpoint {
    private final Supervisor supervisor;
    private final PodContainers containers;

    ContainerCheckpoint(Supervisor supervisor, PodContainers containers) {
        this.supervisor = supervisor;
        this.containers = containers;
    }

    void checkpoint(CheckpointContainerRequest r) throws IOException {
        CriContainerRecord c = containers.get(r.getContainerId());
        if (r.getLocation().isBlank())
            throw new InvalidArgumentException(
                    "CheckpointContainer needs a location: the path of the archive to write");
        Path location = Path.of(r.getLocation());
        if (!location.isAbsolute() || location.getParent() == null)
            throw new InvalidArgumentException(
                    "CheckpointContainer location \""
                            + r.getLocation()
                            + "\" is not an absolute file path: give one, e.g."
                            + " /var/lib/kubelet/checkpoints/NAME.tar");
        if (Files.exists(location))
            throw new AlreadyExistsException(
                    "CheckpointContainer location "
                            + location
                            + " exists already: give a new path (nothing is overwritten)");
        Files.createDirectories(location.getParent());
        Path work = Files.createTempDirectory(location.getParent(), ".nana-checkpoint-");
        try {
            Path images = work.resolve("checkpoint");
            supervisor.checkpoint(c.id(), images, true, null);
            Path partial = work.resolve("archive.tar");
            try (OutputStream out = Files.newOutputStream(partial);
                    TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                List<Path> files;
                try (Stream<Path> walk = Files.walk(images)) {
                    files = walk.sorted().toList();
                }
                for (Path f : files) {
                    String name = work.relativize(f).toString();
                    if (Files.isDirectory(f)) {
                        tar.putArchiveEntry(new TarArchiveEntry(f, name + "/"));
                    } else if (Files.isRegularFile(f)) {
                        tar.putArchiveEntry(new TarArchiveEntry(f, name));
                        Files.copy(f, tar);
                    } else continue; // CRIU writes files and folders only
                    tar.closeArchiveEntry();
                }
            }
            // the archive appears whole or not at all
            Files.move(partial, location, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            StateDir.deleteTree(work);
        }
    }
}
