package dev.nana.cli;

import dev.nana.ClientIo;
import dev.nana.ContainerId;
import dev.nana.ExitStatus;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nana attach ID}: connects this terminal to a running container's output (and with -i its
 * input), after the CLI that started it, or the daemon, went away. The container's shim swaps its
 * client FIFOs for new ones ({@link ClientIo#attach}); no supervisor is involved, so this works
 * across any restart. Exits with the container's exit code.
 */
@Command(
        name = "attach",
        mixinStandardHelpOptions = true,
        description = {
            "Attach to a running container's output (and with -i its input) until it exits.",
            "Works after the CLI that ran it, or the daemon, restarted; exits with its exit code."
        })
public final class AttachCommand extends Subcommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Option(
            names = {"-i", "--interactive"},
            description =
                    "pass this terminal's stdin to the container (if it was started with stdin)")
    boolean interactive;

    @Override
    public Integer call() throws Exception {
        ContainerId.require(id, "container id");
        ClientIo io = Nana.io(nana);
        try (ClientStdio client = ClientStdio.open(nana, "attach-", interactive, true)) {
            io.attach(id, client.stdio());
            if (interactive)
                RunCommand.InputPump.start(
                        nana.io.in, client.openInput(), () -> io.closeInput(id, null));
            // until the container exits, or the reader of our output goes (attach x | head)
            CompletableFuture<ExitStatus> exit = io.waitForExit(id);
            try {
                return await(exit, client);
            } finally {
                exit.cancel(true); // given up (interrupted, its reader gone): the wait ends
            }
        }
    }

    private static int await(CompletableFuture<ExitStatus> exit, ClientStdio client)
            throws Exception {
        while (true) {
            try {
                int code = exit.get(200, TimeUnit.MILLISECONDS).code();
                client.join(0); // the shim writes what is left, then closes the FIFOs
                if (client.gone().isPresent()) throw client.gone().get();
                return code;
            } catch (TimeoutException e) {
                if (client.gone().isPresent()) throw client.gone().get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw e;
            }
        }
    }
}
