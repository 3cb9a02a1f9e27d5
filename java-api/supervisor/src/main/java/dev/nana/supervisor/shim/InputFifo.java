package dev.nana.supervisor.shim;

import dev.nana.supervisor.os.Errors;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * A process's stdin FIFO as a stream (Supervisor.input). A write waits while the process does not
 * read, so nothing piles up; once the shim is gone a write fails (EPIPE). Closing it tells the shim
 * to close the process's stdin, which then reads end-of-file.
 *
 * <p>The descriptor is non-blocking and a write waits for room itself: in poll(2) on a platform
 * thread, sleeping on a virtual one, whose carrier a blocking write through native code would pin
 * (two such writers would stall every virtual thread of a two-core daemon). A write under way ends
 * when the stream is closed.
 */
public final class InputFifo extends OutputStream {
    private final String what; // "the input of container \"web\"", or of the FIFO's path
    private final ProcessDir endsInputOf; // null: closing only lets go (a client's own FIFO)
    private final Fd fd;
    private final Object writing = new Object();
    private volatile boolean closed;

    private InputFifo(String what, ProcessDir endsInputOf, Fd fd) {
        this.what = what;
        this.endsInputOf = endsInputOf;
        this.fd = fd;
    }

    /**
     * Opens the stdin FIFO of dir's process for writing; closing it ends the process's input.
     * container names it in what a failure says.
     */
    public static InputFifo open(ProcessDir dir, String container) throws OsException {
        Fd fd = LibNana.fifoOpenWrite(dir.stdinFifo());
        LibNana.setNonblock(fd, true);
        return new InputFifo("the input of container \"" + container + "\"", dir, fd);
    }

    /**
     * Opens a client's own stdin FIFO for writing; closing it detaches, and the process's input
     * goes on. Opened read-write: an attached shim opens the FIFO when it reads its control FIFO,
     * which may be after the client's first writes, and a write to a FIFO that no one reads fails
     * (EPIPE) and loses its bytes; with this end a reader too, they wait in the FIFO for the shim.
     */
    public static InputFifo openClient(Path fifo) throws OsException {
        Fd fd = LibNana.fifoOpenReadWrite(fifo);
        LibNana.setNonblock(fd, true);
        return new InputFifo("the input " + fifo, null, fd);
    }

    private static final int WAIT_MILLIS = 200;
    private static final int VIRTUAL_SLEEP_MAX_MILLIS = 20;

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        synchronized (writing) {
            if (closed) throw new IOException(what + " is closed");
            boolean virtual = Thread.currentThread().isVirtual();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(Math.max(len, 1));
                MemorySegment.copy(b, off, seg, ValueLayout.JAVA_BYTE, 0, len);
                int done = 0;
                int idle = 0;
                while (done < len) {
                    if (closed) throw new IOException(what + " was closed");
                    try {
                        done += LibNana.write(fd, seg.asSlice(done), len - done);
                        idle = 0;
                    } catch (OsException.WouldBlock full) { // the process reads nothing now
                        idle = Math.min(VIRTUAL_SLEEP_MAX_MILLIS, idle + 1);
                        if (!virtual) LibNana.poll(fd, LibNana.POLLOUT, WAIT_MILLIS);
                        else sleep(idle);
                    } catch (OsException e) {
                        if (e.errno() != Errors.EPIPE) throw e;
                        throw new IOException(
                                what
                                        + " is closed: its process no longer reads it (it exited,"
                                        + " or closed its stdin)",
                                e);
                    }
                }
            }
        }
    }

    private void sleep(int millis) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted writing to " + what);
        }
    }

    /**
     * Closes the stream, and with it the process's stdin (once what was written is read) unless it
     * is a client's own FIFO. A write waiting in another thread ends.
     */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        synchronized (writing) {
            fd.close();
        }
        if (endsInputOf == null) return;
        try (Fd control = LibNana.fifoOpenReadWrite(endsInputOf.controlFifo())) {
            LibNana.writeFully(control, ShimProtocol.closeStdin());
        } catch (OsException e) {
            // the shim is gone, and the process with it
        }
    }
}
