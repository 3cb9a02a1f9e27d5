package dev.nana.cli;

import dev.nana.Stdio;
import dev.nana.Supervisor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nana restore ID --image-path DIR}: a container again, from a checkpoint. */
@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = {
            "Create a container by restoring a CRIU checkpoint: it runs at once, detached (nana attach, nana logs).",
            "Give the same bundle it was created from (default: the demo bundle)."
        })
public final class RestoreCommand extends Subcommand implements Callable<Integer> {
    @Mixin ContainerOptions container;

    @Option(
            names = "--image-path",
            required = true,
            paramLabel = "DIR",
            description = "the checkpoint's directory")
    Path imagePath;

    @Option(
            names = "--criu",
            paramLabel = "PATH",
            description = "the CRIU binary (default: criu on PATH)")
    Path criu;

    @Override
    public Integer call() {
        try (Supervisor s = Nana.open(nana)) {
            s.restore(
                    container.spec(nana.io, Stdio.NONE),
                    nana.io.resolve(imagePath),
                    nana.io.resolve(criu));
        }
        spec.commandLine().getOut().println(container.id);
        return 0;
    }
}
