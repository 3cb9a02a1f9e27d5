package dev.nana.shim;

import dev.nana.os.Fd;
import dev.nana.os.LibNana;
import dev.nana.os.OsException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A process's stdin FIFO as a stream (Supervisor.input). The write end blocks, so a process that
 * does not read slows the writer and nothing piles up; once the shim is gone a write fails (EPIPE).
 * Closing it tells the shim to close the process's stdin, which then reads end-of-file.
 */
public final class InputFifo extends OutputStream {
    private final ProcessDir dir;
    private final Fd fd;
    private boolean closed;

    private InputFifo(ProcessDir dir, Fd fd) {
        this.dir = dir;
        this.fd = fd;
    }

    /** Opens the stdin FIFO of dir's process for writing. */
    public static InputFifo open(ProcessDir dir) throws OsException {
        return new InputFifo(dir, LibNana.fifoOpenWrite(dir.stdinFifo()));
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (closed) throw new IOException("the input of " + dir.dir() + " is closed");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(Math.max(len, 1));
            MemorySegment.copy(b, off, seg, ValueLayout.JAVA_BYTE, 0, len);
            int done = 0;
            while (done < len) done += LibNana.write(fd, seg.asSlice(done), len - done);
        }
    }

    /** Closes the stream, and with it the process's stdin (once what was written is read). */
    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        fd.close();
        try (Fd control = LibNana.fifoOpenReadWrite(dir.controlFifo())) {
            LibNana.writeFully(control, ShimProtocol.closeStdin());
        } catch (OsException e) {
            // the shim is gone, and the process with it
        }
    }
}
