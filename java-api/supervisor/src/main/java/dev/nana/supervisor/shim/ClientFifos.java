package dev.nana.supervisor.shim;

import dev.nana.ClientIo;
import dev.nana.Stdio;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import dev.nana.supervisor.os.OutputPump;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's end of a process's stdio (ClientIo.fifos): FIFOs in a private folder whose read ends
 * are open — and copied to the client's streams — before the shim starts, so nothing written early
 * is lost.
 */
public final class ClientFifos implements ClientIo.Fifos {
    private static final Logger log = LoggerFactory.getLogger(ClientFifos.class);

    /** How long close gives a pump stuck in a write to a reader that went away. */
    private static final long STOP_WAIT_MILLIS = 2000;

    private final Path dir;
    private final Stdio stdio;
    private final List<OutputPump> pumps;

    private ClientFifos(Path dir, Stdio stdio, List<OutputPump> pumps) {
        this.dir = dir;
        this.stdio = stdio;
        this.pumps = pumps;
    }

    /** FIFOs in dir (made here, removed on close): stdin if asked, stdout, stderr if asked. */
    public static ClientFifos open(
            Path dir, boolean stdin, boolean stderr, OutputStream out, OutputStream err)
            throws IOException {
        Objects.requireNonNull(out, "out");
        if (stderr) Objects.requireNonNull(err, "err");
        Stdio stdio =
                new Stdio(
                        stdin ? dir.resolve("stdin") : null,
                        dir.resolve("stdout"),
                        stderr ? dir.resolve("stderr") : null);
        List<OutputPump> pumps = new ArrayList<>();
        try {
            for (Path p : new Path[] {stdio.stdin(), stdio.stdout(), stdio.stderr()})
                if (p != null) LibNana.mkfifo(p, 0600);
            pumps.add(OutputPump.start("stdout", LibNana.fifoOpenRead(stdio.stdout()), out));
            if (stdio.stderr() != null)
                pumps.add(OutputPump.start("stderr", LibNana.fifoOpenRead(stdio.stderr()), err));
        } catch (OsException e) {
            new ClientFifos(dir, stdio, pumps).close();
            throw e;
        }
        return new ClientFifos(dir, stdio, pumps);
    }

    @Override
    public Stdio stdio() {
        return stdio;
    }

    @Override
    public OutputStream openInput() throws IOException {
        if (stdio.stdin() == null) throw new IOException("these FIFOs have no stdin: " + dir);
        return InputFifo.openClient(stdio.stdin());
    }

    @Override
    public boolean join(long millis) throws InterruptedException {
        for (OutputPump p : pumps) if (!p.join(millis)) return false;
        return true;
    }

    @Override
    public Optional<IOException> failure() {
        return pumps.stream().map(OutputPump::failure).filter(Objects::nonNull).findFirst();
    }

    @Override
    public void close() {
        for (OutputPump p : pumps) p.stop();
        try {
            // a pump in a write to a client that went away gives up within its check interval;
            // the descriptors it writes to close after this
            for (OutputPump p : pumps) p.join(STOP_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            StateDir.deleteTree(dir);
        } catch (IOException e) {
            log.warn("removing the client FIFOs {}: {}", dir, e.toString());
        }
    }
}
