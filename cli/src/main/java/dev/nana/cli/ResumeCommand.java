package dev.nana.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nana resume ID…}: thaw paused containers. */
@Command(name = "resume", mixinStandardHelpOptions = true, description = "Thaw paused containers.")
public final class ResumeCommand extends Subcommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "container ids")
    List<String> ids;

    @Override
    public Integer call() {
        return eachId(ids, (s, id) -> s.resume(id));
    }
}
