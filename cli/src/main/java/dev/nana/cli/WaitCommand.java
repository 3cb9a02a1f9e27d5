package dev.nana.cli;

import dev.nana.ContainerStatus;
import dev.nana.Supervisor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nana wait ID}: exits with the container's exit code once it has exited. */
@Command(
        name = "wait",
        mixinStandardHelpOptions = true,
        description = "Wait for a container to exit; print its exit code and exit with it.")
public final class WaitCommand extends Subcommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Override
    public Integer call() throws Exception {
        int code;
        Supervisor s = Nana.open(nana);
        if (Nana.inProcess(s)) {
            var info = s.state(id); // not found is reported here
            s.close(); // wait without holding the state directory
            code =
                    info.status() == ContainerStatus.STOPPED
                            ? info.exit().code()
                            : await(Nana.io(nana).waitForExit(id)).code();
        } else {
            try (s) {
                code = await(s.waitForExit(id)).code(); // a client that goes ends it
            }
        }
        spec.commandLine().getOut().println(code);
        return code;
    }
}
