package dev.nana.daemon.forward;

import dev.nana.Supervisor;
import dev.nana.supervisor.HeapBudget;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One thin client, from accept to close: its request while the reactor reads it, then the call its
 * command runs with, and the frames both ways (signals and window sizes in; ACCEPTED, RAW and EXIT
 * out). Fields are the reactor's, except where said.
 */
final class Connection {
    final long token;
    final Fd fd;
    final long deadline;
    final ByteBuffer header = ByteBuffer.allocate(4);
    ByteBuffer body; // once the length is known and budgeted
    List<Fd> stdio = List.of();
    int budgeted;
    HeapBudget.Share share; // the request's bytes while it is read, then its command's
    boolean lasting; // a long-running command
    // once running
    ForwardedCall call;
    private Thread command; // guarded by the Connection itself
    private final ByteBuffer frame = ByteBuffer.allocate(ForwardProtocol.FRAME);
    volatile boolean clientGone; // read by the command's output writers too
    private final Signals signals = new Signals();
    private final Resizes resizes = new Resizes();

    Connection(long token, Fd fd, long deadline) {
        this.token = token;
        this.fd = fd;
        this.deadline = deadline;
    }

    boolean running() {
        return call != null;
    }

    /**
     * The call its command runs with: the client's descriptors as streams (writes never wait for a
     * client that went away), its terminal, its environment and working directory.
     */
    ForwardedCall startCall(
            Map<String, String> env, Path cwd, Supervisor supervisor, Path stateDir) {
        call =
                new ForwardedCall(
                        new FdStreams.In(stdio.get(0)),
                        new FdStreams.Out(stdio.get(1), () -> clientGone),
                        new FdStreams.Out(stdio.get(2), () -> clientGone),
                        env,
                        cwd,
                        supervisor,
                        stateDir,
                        new ClientTerminal(fd, stdio.get(0)));
        return call;
    }

    /** On the command's thread, while it runs: what {@link #interruptCommand} interrupts. */
    synchronized void commandThread(Thread t) {
        command = t;
    }

    /**
     * Interrupts the connection's command if it still runs, and never the next command of its
     * pooled thread.
     */
    synchronized void interruptCommand() {
        if (command != null) command.interrupt();
    }

    /**
     * Frames from a client whose command runs: signals go to the command, sizes to its terminal.
     *
     * @return false once the client hung up
     * @throws OsException.WouldBlock when all that came is read
     */
    boolean readFrames(MemorySegment buf) throws OsException {
        while (!clientGone) {
            int n = LibNana.read(fd, buf, frame.remaining());
            if (n == 0) return false;
            frame.put(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            if (frame.hasRemaining()) continue;
            frame.flip();
            byte type = frame.get();
            int value = frame.getInt();
            frame.clear();
            switch (type) {
                // the handlers may block (run proxies a signal to its container): never on the
                // reactor's thread
                case ForwardProtocol.SIGNAL -> {
                    if (value >= 1 && value <= 64) signals.post(value);
                }
                case ForwardProtocol.WINSIZE -> resizes.post(value);
                default -> {} // a newer client's frame: ignored
            }
        }
        return true;
    }

    /**
     * One frame to the client; frames from several threads never interleave. The socket is
     * non-blocking: a client that reads nothing gets a few seconds, then nothing.
     */
    static void sendFrame(Fd conn, byte type, int value) throws OsException {
        synchronized (conn) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment m = arena.allocate(ForwardProtocol.FRAME);
                m.set(ValueLayout.JAVA_BYTE, 0, type);
                m.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 1, value);
                int off = 0;
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (off < ForwardProtocol.FRAME) {
                    try {
                        off += LibNana.write(conn, m.asSlice(off), ForwardProtocol.FRAME - off);
                    } catch (OsException.WouldBlock e) {
                        if (System.nanoTime() > deadline) throw e;
                        LibNana.poll(conn, LibNana.POLLOUT, 100);
                    }
                }
            }
        }
    }

    /**
     * The signals, delivered one at a time on one virtual thread, each pending signal once, as the
     * kernel coalesces a process's pending signals: a client that sends thousands of frames makes
     * one runtime kill at a time, not thousands. A signal no command asked for interrupts it.
     */
    private final class Signals {
        private final AtomicLong pending = new AtomicLong(); // bit n-1: signal n
        private final AtomicBoolean delivering = new AtomicBoolean();

        void post(int sig) {
            pending.getAndUpdate(p -> p | (1L << (sig - 1)));
            if (!delivering.compareAndSet(false, true)) return;
            Thread.ofVirtual()
                    .start(
                            () -> {
                                do {
                                    long now = pending.getAndSet(0);
                                    for (int n = 1; n <= 64; n++)
                                        if ((now & (1L << (n - 1))) != 0 && !call.deliver(n))
                                            interruptCommand();
                                    delivering.set(false);
                                } while (pending.get() != 0
                                        && delivering.compareAndSet(false, true));
                            });
        }
    }

    /** The window sizes: only the newest matters, delivered by one thread at a time. */
    private final class Resizes {
        private final AtomicInteger latest = new AtomicInteger(-1);
        private final AtomicBoolean delivering = new AtomicBoolean();

        void post(int size) {
            latest.set(size);
            if (!delivering.compareAndSet(false, true)) return;
            Thread.ofVirtual()
                    .start(
                            () -> {
                                do {
                                    int v = latest.getAndSet(-1);
                                    if (v != -1) call.terminal().resized(v >>> 16, v & 0xffff);
                                    delivering.set(false);
                                } while (latest.get() != -1
                                        && delivering.compareAndSet(false, true));
                            });
        }
    }
}
