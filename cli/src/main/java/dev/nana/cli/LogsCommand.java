package dev.nana.cli;

import dev.nana.OutputGapException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nana logs [-f] ID}: the container's output as its shim logged it (stdout and stderr,
 * interleaved), read from its folder in the state directory ({@link dev.nana.ClientIo#log}).
 */
@Command(
        name = "logs",
        mixinStandardHelpOptions = true,
        description = {
            "Print a container's output (from its log in the state directory).",
            "With --follow, keep printing until it exits. The log keeps the last 32 MiB: a",
            "follower that falls further behind is told how many bytes it missed, and exits 1."
        })
public final class LogsCommand extends Subcommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Option(
            names = {"-f", "--follow"},
            description = "keep printing new output until the container exits")
    boolean follow;

    /** The exit code of a follower that missed bytes (each gap was told on stderr). */
    static final int EXIT_GAP = 1;

    @Override
    public Integer call() throws Exception {
        OutputStream out = nana.io.out;
        long dropped = 0;
        try (InputStream log = Nana.io(nana).log(id, follow)) {
            byte[] buf = new byte[65536];
            while (true) {
                int n;
                try {
                    n = log.read(buf);
                } catch (OutputGapException gap) { // it fell behind the log's cap: said, not hidden
                    out.flush();
                    spec.commandLine().getErr().println("nana: " + gap.getMessage());
                    dropped += gap.droppedBytes();
                    continue;
                }
                if (n < 0) break;
                out.write(buf, 0, n);
                out.flush(); // following: each piece as it comes
            }
        }
        return dropped > 0 ? EXIT_GAP : 0;
    }
}
