package dev.nana.cli;

import dev.nana.Supervisor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nana checkpoint ID --image-path DIR [--leave-running] [--criu PATH]}. */
@Command(
        name = "checkpoint",
        mixinStandardHelpOptions = true,
        description = {
            "Checkpoint a running container with CRIU into a directory (it stops, unless --leave-running).",
            "Needs a CRIU >= 4.1 on kernels 6.13 and later, and a runtime built with CRIU (runc)."
        })
public final class CheckpointCommand extends Subcommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Option(
            names = "--image-path",
            required = true,
            paramLabel = "DIR",
            description = "directory for the image")
    Path imagePath;

    @Option(
            names = "--leave-running",
            description = "keep the container running after the checkpoint")
    boolean leaveRunning;

    @Option(
            names = "--criu",
            paramLabel = "PATH",
            description = "the CRIU binary (default: criu on PATH)")
    Path criu;

    @Override
    public Integer call() {
        try (Supervisor s = Nana.open(nana)) {
            s.checkpoint(id, nana.io.resolve(imagePath), leaveRunning, nana.io.resolve(criu));
        }
        spec.commandLine().getOut().println(id);
        return 0;
    }
}
