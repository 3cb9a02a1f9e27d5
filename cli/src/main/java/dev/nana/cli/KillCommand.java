package dev.nana.cli;

import dev.nana.Supervisor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nana kill ID [SIGNAL]}. */
@Command(
        name = "kill",
        mixinStandardHelpOptions = true,
        description =
                "Send a signal to a container's init process (TERM by default), or with --all to all its processes.")
public final class KillCommand extends Subcommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Parameters(
            index = "1",
            paramLabel = "SIGNAL",
            defaultValue = "TERM",
            description = "name (TERM, KILL…) or number (default: TERM)")
    String signal;

    @Option(
            names = {"-a", "--all"},
            description = "signal every process of the container")
    boolean all;

    @Override
    public Integer call() {
        int sig = Signals.parse(signal);
        try (Supervisor s = Nana.open(nana)) {
            s.kill(id, sig, all);
        }
        return 0;
    }
}
