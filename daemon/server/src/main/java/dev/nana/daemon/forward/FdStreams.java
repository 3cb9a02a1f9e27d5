package dev.nana.daemon.forward;

import dev.nana.ReaderGoneException;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.FdSink;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.BooleanSupplier;

/** A thin client's stdio descriptors, which it passed with its request, as streams. */
final class FdStreams {
    private FdStreams() {}

    /** Reads a forwarded descriptor. */
    static final class In extends InputStream {
        private final Fd fd;

        In(Fd fd) {
            this.fd = fd;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Math.max(1, len));
                int n = LibNana.read(fd, buf, len);
                if (n == 0) return -1;
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, n);
                return n;
            }
        }
    }

    /**
     * Writes to a forwarded descriptor. A write waits while its reader is behind (back-pressure
     * reaches the container), but never for a client that went away: it waits for room in steps,
     * looking in between whether the client is still there. A descriptor the client made
     * non-blocking is waited on the same way.
     */
    static final class Out extends OutputStream implements FdSink {
        private static final int GONE_CHECK_MILLIS = 200;
        private final Fd fd;
        private final BooleanSupplier clientGone;

        Out(Fd fd, BooleanSupplier clientGone) {
            this.fd = fd;
            this.clientGone = clientGone;
        }

        @Override
        public Fd fd() {
            return fd;
        }

        @Override
        public boolean gone() {
            return clientGone.getAsBoolean();
        }

        @Override
        public IOException failed(OsException cause) {
            return FdSink.classify(cause, gone());
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Math.max(1, len));
                MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, len);
                int done = 0;
                while (done < len) {
                    if (gone()) throw new ReaderGoneException("the client went away", null);
                    if (LibNana.poll(fd, LibNana.POLLOUT, GONE_CHECK_MILLIS) == 0) continue;
                    try {
                        done += LibNana.write(fd, buf.asSlice(done), len - done);
                    } catch (OsException.WouldBlock e) {
                        // non-blocking and full after all: wait for room again
                    }
                }
            } catch (OsException e) {
                throw failed(e);
            }
        }
    }
}
