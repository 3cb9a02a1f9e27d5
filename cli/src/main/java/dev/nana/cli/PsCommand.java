package dev.nana.cli;

import dev.nana.Supervisor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nana ps|list}. */
@Command(
        name = "ps",
        aliases = "list",
        mixinStandardHelpOptions = true,
        description = "List containers.")
public final class PsCommand extends Subcommand implements Callable<Integer> {
    @Option(
            names = "--format",
            defaultValue = "table",
            description = "table or json (default: ${DEFAULT-VALUE})")
    Output.Format format;

    @Option(
            names = {"-q", "--quiet"},
            description = "print the ids only, one a line")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        try (Supervisor s = Nana.open(nana)) {
            var out = spec.commandLine().getOut();
            if (quiet) {
                StringBuilder ids = new StringBuilder(); // one write: println would write each line
                s.list().forEach(c -> ids.append(c.id()).append(System.lineSeparator()));
                out.print(ids);
                out.flush();
            } else {
                Output.containers(out, s.list(), format);
            }
        }
        return 0;
    }
}
