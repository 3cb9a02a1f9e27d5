package dev.nana.supervisor.shim;

import dev.nana.FailedPreconditionException;
import dev.nana.UnavailableException;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.FifoInputStream;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * A reader attached to a process's output (Supervisor.attachOutput): a FIFO in a private folder
 * whose read end is open before the shim is told of it, so the shim opens it as an attached reader
 * (every byte, the container waiting while it is behind). stdout and stderr both go into it, as
 * they come. Told on the control FIFO, the attach is ordered before any later command there: a
 * "start" sent after it finds the reader in place, so nothing the program writes is missed.
 */
public final class OutputAttachment {
    private OutputAttachment() {}

    /**
     * Attaches a new reader to dir's process.
     *
     * @param parent where to make the FIFO's private folder (the state directory's .stdio)
     */
    public static InputStream attach(Path parent, ProcessDir dir, String id) {
        Path folder;
        try {
            folder = StdioFolders.make(parent, "attach-");
        } catch (IOException e) {
            throw new UnavailableException(
                    "attach to \"" + id + "\": make its FIFO in " + parent + ": " + e, e);
        }
        Path fifo = folder.resolve("output");
        Fd read = null;
        try {
            LibNana.mkfifo(fifo, 0600);
            read = LibNana.fifoOpenRead(fifo);
            try (Fd control = LibNana.fifoOpenReadWrite(dir.controlFifo())) {
                LibNana.writeFully(control, ShimProtocol.attach(fifo, fifo, null));
            }
        } catch (OsException e) {
            if (read != null) read.close();
            StdioFolders.removeQuietly(folder);
            throw new FailedPreconditionException(
                    "attach to \"" + id + "\": " + e.getMessage() + "; is it running?", e);
        }
        return new FifoInputStream(
                read, () -> !dir.shimAlive(), () -> StdioFolders.removeQuietly(folder));
    }
}
