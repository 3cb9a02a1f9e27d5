package dev.nana.cli;

import dev.nana.os.Fd;
import dev.nana.os.LibNana;
import dev.nana.os.OsException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Copies a container's output FIFO to one of our streams until the shim closes it. The
 * FIFO is opened non-blocking before the shim starts, so nothing written early is lost
 * and no open() hangs; poll reports HUP only once the shim (its writer) is gone.
 */
final class OutputPump implements Runnable {
    private final Fd fifo;
    private final OutputStream out;
    private volatile IOException failure;
    private Thread thread;

    OutputPump(Fd fifo, OutputStream out) {
        this.fifo = fifo;
        this.out = out;
    }

    static OutputPump start(String name, Fd fifo, OutputStream out) {
        OutputPump p = new OutputPump(fifo, out);
        p.thread = Thread.ofPlatform().name(name).daemon().start(p);
        return p;
    }

    Thread thread() {
        return thread;
    }

    @Override
    public void run() {
        try (Arena arena = Arena.ofConfined(); fifo) {
            MemorySegment buf = arena.allocate(65536);
            while (true) {
                int revents = LibNana.poll(fifo, LibNana.POLLIN, -1);
                if (revents == 0) continue;
                int n;
                try {
                    n = LibNana.read(fifo, buf, (int) buf.byteSize());
                } catch (OsException.WouldBlock e) {
                    continue;
                }
                if (n == 0) break; // every writer is gone
                out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                out.flush();
            }
        } catch (IOException e) {
            failure = e;
        }
    }

    IOException failure() {
        return failure;
    }
}
