package dev.nana.supervisor.shim;

import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** The read end of a shim's sync pipe: one line per step, read with a deadline. */
final class SyncChannel implements AutoCloseable {
    private final Fd fd;
    private final StringBuilder pending = new StringBuilder();
    private boolean eof;

    SyncChannel(Fd fd) {
        this.fd = fd;
    }

    /** The next line, or null at EOF (the shim closed it: it exited). Throws on timeout. */
    String readLine(long deadlineNanos) throws OsException, SyncTimeoutException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            while (true) {
                int nl = pending.indexOf("\n");
                if (nl >= 0) {
                    String line = pending.substring(0, nl);
                    pending.delete(0, nl + 1);
                    return line;
                }
                if (eof) return null;
                long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
                if (left <= 0) throw new SyncTimeoutException();
                if (LibNana.poll(fd, LibNana.POLLIN, (int) Math.min(left, Integer.MAX_VALUE)) == 0)
                    continue;
                int n = LibNana.read(fd, buf, 4096);
                if (n == 0) {
                    eof = true;
                } else {
                    pending.append(
                            new String(
                                    buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE),
                                    StandardCharsets.UTF_8));
                }
            }
        }
    }

    @Override
    public void close() {
        fd.close();
    }

    static final class SyncTimeoutException extends Exception {
        private static final long serialVersionUID = 1L;
    }
}
