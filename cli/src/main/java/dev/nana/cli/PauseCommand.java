package dev.nana.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nana pause ID…}: freeze every process of running containers. */
@Command(
        name = "pause",
        mixinStandardHelpOptions = true,
        description =
                "Freeze every process of running containers (the cgroup freezer); nana resume thaws them.")
public final class PauseCommand extends Subcommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "container ids")
    List<String> ids;

    @Override
    public Integer call() {
        return eachId(ids, (s, id) -> s.pause(id));
    }
}
