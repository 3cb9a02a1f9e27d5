package dev.nana.cli;

import dev.nana.ContainerInfo;
import dev.nana.Supervisor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nana inspect ID…}: everything nana knows of containers, JSON by default. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "Show containers in detail (JSON by default).")
public final class InspectCommand extends Subcommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "container ids")
    List<String> ids;

    @Option(
            names = "--format",
            defaultValue = "json",
            description = "json or table (default: ${DEFAULT-VALUE})")
    Output.Format format;

    @Override
    public Integer call() throws Exception {
        List<ContainerInfo> found = new ArrayList<>();
        try (Supervisor s = Nana.open(nana)) {
            for (String id : ids) found.add(s.state(id));
        }
        var out = spec.commandLine().getOut();
        if (format == Output.Format.json && found.size() == 1) {
            out.println(
                    Output.JSON
                            .writerWithDefaultPrettyPrinter()
                            .writeValueAsString(Output.json(found.getFirst())));
        } else {
            Output.containers(out, found, format);
        }
        return 0;
    }
}
