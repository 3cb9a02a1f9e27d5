package dev.nana.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nana delete|rm [-f] ID…}. */
@Command(
        name = "delete",
        aliases = "rm",
        mixinStandardHelpOptions = true,
        description =
                "Delete stopped or created containers; with --force, kill running ones first.")
public final class DeleteCommand extends Subcommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "container ids")
    List<String> ids;

    @Option(
            names = {"-f", "--force"},
            description = "kill a running container first")
    boolean force;

    @Override
    public Integer call() {
        return eachId(ids, (s, id) -> s.delete(id, force));
    }
}
