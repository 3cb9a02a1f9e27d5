package dev.nana.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nana start ID…}. */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Start created containers.")
public final class StartCommand extends Subcommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "container ids")
    List<String> ids;

    @Override
    public Integer call() {
        return eachId(ids, (s, id) -> s.start(id));
    }
}
