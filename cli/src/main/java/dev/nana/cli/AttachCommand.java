package dev.nana.cli;

import dev.nana.ContainerId;
import dev.nana.FailedPreconditionException;
import dev.nana.NotFoundException;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import dev.nana.supervisor.shim.ProcessDir;
import dev.nana.supervisor.shim.ShimExit;
import dev.nana.supervisor.shim.ShimHandle;
import dev.nana.supervisor.shim.ShimProtocol;
import dev.nana.supervisor.state.StateDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nana attach ID}: connects this terminal to a running container's output (and with -i its
 * input), after the CLI that started it, or the daemon, went away. The container's shim swaps its
 * client FIFOs for new ones; the daemon is not involved, so this works across any restart. Exits
 * with the container's exit code.
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
        ProcessDir dir = new ProcessDir(Nana.stateDir(nana).resolve(id).resolve("init"));
        if (!Files.isDirectory(dir.dir())) {
            throw new NotFoundException(
                    "no container \"" + id + "\": nana ps lists the containers there are");
        }
        if (Files.exists(dir.exitStatusFile()) || !dir.shimAlive()) {
            throw new FailedPreconditionException(
                    "cannot attach to \""
                            + id
                            + "\": it is not running; nana logs "
                            + id
                            + " shows its output");
        }
        Path io = ClientStdio.folder(nana, "attach-");
        try {
            return attach(dir, io);
        } finally {
            StateDir.deleteTree(io);
        }
    }

    private int attach(ProcessDir dir, Path io) throws Exception {
        try (ClientStdio client = ClientStdio.open(io, interactive, true, nana.io)) {
            return attach(dir, client);
        }
    }

    private int attach(ProcessDir dir, ClientStdio client) throws Exception {
        Path out = client.stdio().stdout();
        Path err = client.stdio().stderr();
        Path in = client.stdio().stdin();
        Fd inFifo =
                in != null
                        ? LibNana.fifoOpenReadWrite(in)
                        : null; // held open: the shim's open finds a reader
        try (Fd control = LibNana.fifoOpenReadWrite(dir.controlFifo())) {
            LibNana.writeFully(control, ShimProtocol.attach(out, err, in));
        } catch (OsException e) {
            throw new FailedPreconditionException("attach to \"" + id + "\": " + e.getMessage(), e);
        }
        if (inFifo != null) {
            inFifo.close();
            RunCommand.InputPump.start(nana.io.in, LibNana.fifoOpenWrite(in), dir.controlFifo());
        }
        // until the container exits, or the reader of our output goes (attach x | head)
        Optional<ShimHandle> shim = ShimHandle.attach(dir, id);
        if (shim.isPresent()) {
            try (ShimHandle h = shim.get()) {
                while (h.awaitExit(Duration.ofMillis(200)).isEmpty()) {
                    if (client.gone().isPresent()) throw client.gone().get();
                    if (Thread.interrupted()) throw new InterruptedException(); // client gone
                }
            }
        }
        int code = ShimExit.of(dir).code();
        client.join(0); // the shim writes what is left, then closes the FIFOs
        if (client.gone().isPresent()) throw client.gone().get();
        return code;
    }
}
