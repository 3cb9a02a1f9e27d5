package dev.nana.cli;

import dev.nana.Supervisor;
import java.util.List;
import java.util.function.BiConsumer;
import picocli.CommandLine;

/**
 * What every nana subcommand has: its parent (global options, the invocation's Io) and its own
 * spec.
 */
abstract class Subcommand {
    @CommandLine.ParentCommand NanaCommand nana;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** Does op to each id through one supervisor, printing each id once done (as docker does). */
    int eachId(List<String> ids, BiConsumer<Supervisor, String> op) {
        try (Supervisor s = Nana.open(nana)) {
            for (String id : ids) {
                op.accept(s, id);
                spec.commandLine().getOut().println(id);
            }
        }
        return 0;
    }
}
