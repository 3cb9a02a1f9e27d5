package dev.nana.cli;

import dev.nana.Supervisor;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nana start ID…}. */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Start created containers.")
public final class StartCommand extends Subcommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "container ids")
    List<String> ids;

    @Override
    public Integer call() {
        try (Supervisor s = Nana.open(nana)) {
            for (String id : ids) {
                s.start(id);
                spec.commandLine().getOut().println(id);
            }
        }
        return 0;
    }
}
