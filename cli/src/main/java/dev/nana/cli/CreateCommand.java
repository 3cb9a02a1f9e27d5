package dev.nana.cli;

import dev.nana.Stdio;
import dev.nana.Supervisor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code nana create}: the container's process exists; its program waits for {@code nana start}.
 */
@Command(
        name = "create",
        mixinStandardHelpOptions = true,
        description = {
            "Create a container: its process exists, its program waits for nana start.",
            "Its output goes to its log (nana logs)."
        })
public final class CreateCommand extends Subcommand implements Callable<Integer> {
    @Mixin ContainerOptions container;

    @Override
    public Integer call() {
        try (Supervisor s = Nana.open(nana)) {
            s.create(container.spec(nana.io, Stdio.NONE));
        }
        spec.commandLine().getOut().println(container.id);
        return 0;
    }
}
