package dev.nana.cli;

import dev.nana.Supervisor;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nana ps|list}. */
@Command(name = "ps", aliases = "list", mixinStandardHelpOptions = true, description = "List containers.")
public final class PsCommand extends Subcommand implements Callable<Integer> {
    @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE})")
    Output.Format format;

    @Override
    public Integer call() throws Exception {
        try (Supervisor s = Nana.open(nana)) {
            Output.containers(spec.commandLine().getOut(), s.list(), format);
        }
        return 0;
    }
}
