package dev.nana.supervisor.os;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.BooleanSupplier;

/**
 * The read end of an output FIFO (opened non-blocking before its writer, the shim) as a stream.
 * While it is open the shim treats it as an attached reader: every byte comes here, and while this
 * stream is not read the container's writes wait. It ends once the shim has closed its end and
 * everything is read, or at once when {@code writerGone} says the shim will never open it (it had
 * exited before it could). Closing it, from any thread, lets go of the FIFO within {@value
 * #CHECK_MILLIS} ms: the shim then writes to the log alone.
 *
 * <p>It waits in poll(2) for at most {@value #CHECK_MILLIS} ms at a time on a platform thread; on a
 * virtual thread it never blocks in native code (that would pin its carrier): it looks without
 * waiting and sleeps in between.
 */
public final class FifoInputStream extends InputStream {
    private static final int CHECK_MILLIS = 200;
    private static final int VIRTUAL_SLEEP_MAX_MILLIS = 20;

    private final Fd fifo;
    private final BooleanSupplier writerGone;
    private final Runnable onClose;
    private final Object lock = new Object();
    private boolean reading; // a read is under way: it closes the fd when it ends
    private volatile boolean closed; // asked to close, or at its end: the fd goes

    /**
     * @param fifo the FIFO's read end, non-blocking; owned by this stream from now on
     * @param writerGone whether the writer is gone for good (checked while nothing arrives)
     * @param onClose run once, after the FIFO is closed (e.g. to remove its folder)
     */
    public FifoInputStream(Fd fifo, BooleanSupplier writerGone, Runnable onClose) {
        this.fifo = fifo;
        this.writerGone = writerGone;
        this.onClose = onClose;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        synchronized (lock) {
            if (closed) return -1;
            reading = true;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(len);
            boolean virtual = Thread.currentThread().isVirtual();
            int idleMillis = 0;
            long idleSince = System.nanoTime();
            while (!closed) {
                int revents = LibNana.poll(fifo, LibNana.POLLIN, virtual ? 0 : CHECK_MILLIS);
                if (revents == 0) {
                    // a writer never seen gives no HUP: ask now and then whether it will come
                    if (System.nanoTime() - idleSince >= CHECK_MILLIS * 1_000_000L) {
                        if (writerGone.getAsBoolean()
                                && LibNana.poll(fifo, LibNana.POLLIN, 0) == 0) {
                            end();
                            return -1;
                        }
                        idleSince = System.nanoTime();
                    }
                    if (virtual) {
                        idleMillis = Math.min(VIRTUAL_SLEEP_MAX_MILLIS, idleMillis + 1);
                        sleep(idleMillis);
                    }
                    continue;
                }
                idleMillis = 0;
                idleSince = System.nanoTime();
                int n;
                try {
                    n = LibNana.read(fifo, buf, len);
                } catch (OsException.WouldBlock e) {
                    continue;
                }
                if (n == 0) { // every writer is gone, and all is read
                    end();
                    return -1;
                }
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, n);
                return n;
            }
            return -1;
        } finally {
            synchronized (lock) {
                reading = false;
                if (closed) release();
            }
        }
    }

    /** The most one splice moves: a FIFO holds 1 MiB. */
    private static final int SPLICE_STEP = 1 << 20;

    /**
     * Moves everything to sink inside the kernel (splice: no copy through the JVM), waiting while
     * the FIFO is empty or the sink full, until the FIFO's end, this stream's close, or the sink's
     * reader is gone. On a platform thread only (it waits in poll).
     *
     * @return false, having moved nothing, when these two cannot be spliced: copy instead
     */
    public boolean spliceTo(FdSink sink) throws IOException {
        synchronized (lock) {
            if (closed) return true;
            reading = true;
        }
        boolean moved = false;
        try {
            long idleSince = System.nanoTime();
            while (!closed) {
                if (sink.gone())
                    throw sink.failed(new OsException("its reader went away", Errors.EPIPE));
                // poll first: before its writer came, a FIFO reads as ended
                int revents = LibNana.poll(fifo, LibNana.POLLIN, CHECK_MILLIS);
                if (revents == 0) {
                    if (System.nanoTime() - idleSince >= CHECK_MILLIS * 1_000_000L) {
                        if (writerGone.getAsBoolean()
                                && LibNana.poll(fifo, LibNana.POLLIN, 0) == 0) {
                            end();
                            return true;
                        }
                        idleSince = System.nanoTime();
                    }
                    continue;
                }
                idleSince = System.nanoTime();
                int n;
                try {
                    n = LibNana.splice(fifo, sink.fd(), SPLICE_STEP);
                } catch (OsException.WouldBlock e) { // the sink is full (or no data after all)
                    LibNana.poll(sink.fd(), LibNana.POLLOUT, CHECK_MILLIS);
                    continue;
                } catch (OsException e) {
                    if (e.errno() == 22 && !moved) return false; // EINVAL: not spliceable
                    throw sink.failed(e);
                }
                if (n == 0) { // every writer is gone, and all is moved
                    end();
                    return true;
                }
                moved = true;
            }
            return true;
        } finally {
            synchronized (lock) {
                reading = false;
                if (closed) release();
            }
        }
    }

    /** At its end the FIFO is let go at once (the reading thread holds the lock's turn). */
    private void end() {
        synchronized (lock) {
            closed = true;
        }
    }

    private static void sleep(int millis) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading a container's output");
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            if (!reading) release();
        }
    }

    private void release() {
        if (fifo.isClosed()) return;
        fifo.close();
        onClose.run();
    }
}
