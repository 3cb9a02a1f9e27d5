package dev.nana.cli;

import dev.nana.ResourceExhaustedException;
import dev.nana.Supervisor;
import dev.nana.supervisor.HeapBudget;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's end of the thin CLI (native/src/client): on {@code <address>.cli}, a client hands
 * over its argv, environment, working directory and stdio descriptors; the daemon runs the same
 * picocli command tree in its warm JVM on its own supervisor, writing straight to the client's
 * descriptors, and answers with the exit code. The client forwards the signals it gets. The wire
 * format is {@link ForwardProtocol}.
 *
 * <p>One reactor thread (an epoll through libnana) accepts connections, reads requests and the
 * frames that follow them, without blocking: a connection costs no thread until its request is
 * whole, and a request must be whole within {@link Limits#requestDeadlineMillis}. Each length is
 * checked before anything is allocated for it, requests being read share a byte budget, and
 * connections are capped (a client over the cap is told so, 'B'). Only then does the command get a
 * thread of its own. The accept loop outlives a full descriptor table: it pauses, says so, and
 * accepts again.
 */
final class ForwardServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ForwardServer.class);

    /**
     * Commands a client may not have the daemon run: another daemon, or a benchmark inside this
     * one.
     */
    static final List<String> NOT_FORWARDED = List.of("daemon", "bench");

    /**
     * What the server takes at most (docs/SECURITY.md lists them).
     *
     * @param maxConnections clients connected at once, waiting or running
     * @param requestBudgetBytes bytes of requests larger than {@link ForwardServer#SMALL_REQUEST}
     *     being read, all together
     * @param requestDeadlineMillis how long a client has to send its whole request
     * @param maxLasting long-running commands ({@link #LASTING}) running at once
     */
    record Limits(
            int maxConnections, int requestBudgetBytes, int requestDeadlineMillis, int maxLasting) {
        static final Limits DEFAULT = new Limits(512, 4 << 20, 5000, 128);
    }

    /**
     * What a running forwarded command holds, at most, measured (docs/SECURITY.md): its tree of one
     * subcommand (50–140 KiB) and its buffers ({@code logs -f}, the most, ~130 KiB in all).
     */
    static final long COMMAND_BYTES = 160 << 10;

    /**
     * Commands that may run as long as their client likes: they take their share as lasting ones
     * ({@link HeapBudget#takeLasting}), which leaves room for the others, and at most {@link
     * Limits#maxLasting} run at once.
     */
    static final Set<String> LASTING =
            Set.of("wait", "events", "attach", "logs", "run", "exec", "stats", "image");

    /** The same for a command on the whole tree (help, completion, a usage error): ~700 KiB. */
    static final long WHOLE_TREE_COMMAND_BYTES = 768 << 10;

    /**
     * A request this size or smaller (a CLI call's argv and environment are a few KiB) is read
     * without the shared budget: the connection cap bounds them (512 × 16 KiB), so clients holding
     * large requests half-sent never crowd out ordinary ones.
     */
    static final int SMALL_REQUEST = 16 * 1024;

    private static final long WAKE = 0;
    private static final long LISTENER = 1;
    private static final int MAX_EVENTS = 64;

    /** How long accepting pauses when the process is out of descriptors. */
    private static final int ACCEPT_PAUSE_MILLIS = 200;

    private final Path path;
    private final Fd listener;
    private final Supervisor supervisor;
    private final boolean groupAccess;
    private final Limits limits;
    private final Fd epoll;
    private final Fd wake;
    private final Map<Long, Conn> conns = new HashMap<>(); // the reactor's alone
    private final ConcurrentLinkedQueue<Conn> finished = new ConcurrentLinkedQueue<>();
    private final ExecutorService commands;
    private final Thread reactor;
    private long nextToken = LISTENER + 1;
    private int budgetUsed;
    private int lastingRunning; // long-running commands started and not yet forgotten
    private long acceptPausedUntil;
    private long lastEmfileWarning;
    private volatile boolean closed;

    /** One client, from accept to close. Fields are the reactor's, except where said. */
    private static final class Conn {
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
        Io io;
        ClientTerminal terminal;
        Thread command; // guarded by the Conn itself
        final ByteBuffer frame = ByteBuffer.allocate(ForwardProtocol.FRAME);
        volatile boolean clientGone; // read by the command's output writers too
        final Signals signals = new Signals();
        final Resizes resizes = new Resizes();

        Conn(long token, Fd fd, long deadline) {
            this.token = token;
            this.fd = fd;
            this.deadline = deadline;
        }

        boolean running() {
            return io != null;
        }
    }

    private ForwardServer(
            Path path, Fd listener, Supervisor supervisor, boolean groupAccess, Limits limits)
            throws OsException {
        this.path = path;
        this.listener = listener;
        this.supervisor = supervisor;
        this.groupAccess = groupAccess;
        this.limits = limits;
        this.epoll = LibNana.epollCreate();
        this.wake = LibNana.eventfd();
        LibNana.setNonblock(listener, true);
        LibNana.epollAdd(epoll, wake, WAKE, LibNana.EV_IN);
        LibNana.epollAdd(epoll, listener, LISTENER, LibNana.EV_IN);
        // a command holds its thread while it runs (a foreground run, attach, logs -f); idle ones
        // are reused, and go after 5 s, so that a burst of commands leaves no threads behind
        this.commands =
                new ThreadPoolExecutor(
                        0,
                        Integer.MAX_VALUE,
                        5,
                        TimeUnit.SECONDS,
                        new SynchronousQueue<>(),
                        Thread.ofPlatform().name("nana-forwarded-", 0).daemon().factory());
        this.reactor = Thread.ofPlatform().name("nana-forward").daemon().start(this::react);
    }

    /** The forwarding socket that belongs to a daemon address. */
    static Path socketFor(Path address) {
        return address.resolveSibling(address.getFileName() + ".cli");
    }

    static ForwardServer start(Path address, Supervisor supervisor, GroupPrincipal group)
            throws IOException {
        return start(address, supervisor, group, Limits.DEFAULT);
    }

    static ForwardServer start(
            Path address, Supervisor supervisor, GroupPrincipal group, Limits limits)
            throws IOException {
        Path path = socketFor(address);
        Fd l = LibNana.unixListen(path, 128);
        try {
            if (group != null) {
                Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(group);
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
            }
            return new ForwardServer(path, l, supervisor, group != null, limits);
        } catch (IOException | RuntimeException e) {
            l.close();
            throw e;
        }
    }

    // ---- the reactor

    private void react() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tokens = arena.allocate(ValueLayout.JAVA_LONG, MAX_EVENTS);
            MemorySegment events = arena.allocate(ValueLayout.JAVA_INT, MAX_EVENTS);
            MemorySegment buf = arena.allocate(64 * 1024);
            while (!closed) {
                int n = LibNana.epollWait(epoll, tokens, events, MAX_EVENTS, timeoutMillis());
                for (int i = 0; i < n && !closed; i++) {
                    long token = tokens.getAtIndex(ValueLayout.JAVA_LONG, i);
                    if (token == WAKE) {
                        drainWake(buf);
                    } else if (token == LISTENER) {
                        acceptAll();
                    } else {
                        Conn c = conns.get(token);
                        if (c != null) readable(c, buf);
                    }
                }
                for (Conn c; (c = finished.poll()) != null; ) forget(c);
                expire();
                resumeAccepting();
            }
        } catch (OsException | RuntimeException e) {
            if (!closed) {
                // without its reactor the daemon cannot serve the CLI: let it be restarted (restore
                // loses nothing)
                log.error(
                        "the forwarding server stopped: {}; the daemon exits so that it can be restarted",
                        e.toString(),
                        e);
                Runtime.getRuntime().halt(70);
            }
        }
    }

    private int timeoutMillis() {
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        for (Conn c : conns.values()) if (!c.running()) next = Math.min(next, c.deadline);
        if (acceptPausedUntil != 0) next = Math.min(next, acceptPausedUntil);
        if (next == Long.MAX_VALUE) return -1;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, (next - now) / 1_000_000 + 1));
    }

    private void drainWake(MemorySegment buf) {
        try {
            LibNana.read(wake, buf, 8);
        } catch (OsException e) {
            // nothing to drain
        }
    }

    private void acceptAll() {
        while (!closed && acceptPausedUntil == 0) {
            Fd fd;
            try {
                fd = LibNana.accept(listener);
            } catch (OsException.WouldBlock e) {
                return;
            } catch (OsException e) {
                if (e.errno() == 24 /* EMFILE */
                        || e.errno() == 23 /* ENFILE */
                        || e.errno() == 12 /* ENOMEM */
                        || e.errno() == 105 /* ENOBUFS */) {
                    pauseAccepting(e);
                    return;
                }
                if (e.errno() == 103 /* ECONNABORTED */ || e.errno() == 71 /* EPROTO */) continue;
                log.warn("forwarding socket {}: accept: {}", path, e.getMessage());
                return;
            }
            admit(fd);
        }
    }

    /**
     * Out of descriptors: stop accepting for a moment (the listener would wake us in a loop), and
     * say so.
     */
    private void pauseAccepting(OsException e) {
        long now = System.nanoTime();
        acceptPausedUntil = now + ACCEPT_PAUSE_MILLIS * 1_000_000L;
        if (now - lastEmfileWarning > 10_000_000_000L) {
            lastEmfileWarning = now;
            log.warn(
                    "forwarding socket {}: accept: {} ({} clients connected): pausing, then accepting again",
                    path,
                    e.getMessage(),
                    conns.size());
        }
        try {
            LibNana.epollDel(epoll, listener);
        } catch (OsException ignored) {
            // not in the set
        }
    }

    private void resumeAccepting() {
        if (acceptPausedUntil == 0 || System.nanoTime() < acceptPausedUntil) return;
        acceptPausedUntil = 0;
        try {
            LibNana.epollAdd(epoll, listener, LISTENER, LibNana.EV_IN);
        } catch (OsException e) {
            log.warn("forwarding socket {}: watch the listener again: {}", path, e.getMessage());
        }
        acceptAll();
    }

    private void admit(Fd fd) {
        try {
            // the socket's mode already keeps others out; the kernel's word on who called settles
            // it
            int uid = LibNana.peerUid(fd);
            if (uid != 0 && !groupAccess) {
                log.warn(
                        "forwarded command from uid {} refused: the socket is root-only (start the daemon with --group)",
                        uid);
                fd.close();
                return;
            }
            if (conns.size() >= limits.maxConnections()) forgetClosed();
            if (conns.size() >= limits.maxConnections()) {
                log.warn(
                        "forwarding socket {}: a client refused: {} are connected, the most this daemon serves",
                        path,
                        conns.size());
                sendFrame(fd, ForwardProtocol.BUSY, limits.maxConnections());
                fd.close();
                return;
            }
            LibNana.setNonblock(fd, true);
            Conn c =
                    new Conn(
                            nextToken++,
                            fd,
                            System.nanoTime() + limits.requestDeadlineMillis() * 1_000_000L);
            LibNana.epollAdd(epoll, fd, c.token, LibNana.EV_IN);
            conns.put(c.token, c);
        } catch (OsException e) {
            log.debug(
                    "forwarding socket {}: a client went before it was served: {}",
                    path,
                    e.getMessage());
            fd.close();
        }
    }

    /**
     * At the cap: clients that hung up before sending their request may not have been read yet
     * (their EOFs wait in the epoll queue behind this accept); they are let go now, so that they do
     * not turn away a client that came after them.
     */
    private void forgetClosed() {
        List<Conn> closed = new ArrayList<>();
        for (Conn c : conns.values()) {
            try {
                if (!c.running() && (LibNana.poll(c.fd, LibNana.POLLIN, 0) & LibNana.POLLHUP) != 0)
                    closed.add(c);
            } catch (OsException e) {
                closed.add(c);
            }
        }
        for (Conn c : closed) {
            release(c);
            forget(c);
        }
    }

    private void readable(Conn c, MemorySegment buf) {
        try {
            if (c.running()) readFrames(c, buf);
            else readRequest(c, buf);
        } catch (OsException.WouldBlock e) {
            // all read for now
        } catch (OsException | ForwardProtocol.BadRequest e) {
            if (!c.running()) {
                log.warn("forwarded command refused: {}", e.getMessage());
                refuse(
                        c,
                        e instanceof ForwardProtocol.BadRequest
                                ? "nana: the daemon refused the command: " + e.getMessage()
                                : null);
            } else {
                clientGone(c);
            }
        }
    }

    /** Reads what has come of a request; once whole, runs it. */
    private void readRequest(Conn c, MemorySegment buf)
            throws OsException, ForwardProtocol.BadRequest {
        while (true) {
            ByteBuffer into = c.body != null ? c.body : c.header;
            int want = Math.min(into.remaining(), (int) buf.byteSize());
            LibNana.Received got = LibNana.recvFds(c.fd, want, c.stdio.isEmpty() ? 3 : 0);
            if (!got.fds().isEmpty()) c.stdio = got.fds();
            if (got.data().length == 0) { // the client went before its request was whole
                release(c);
                forget(c);
                return;
            }
            if (c.stdio.size() != 3)
                throw new ForwardProtocol.BadRequest(
                        "a request must bring its 3 stdio descriptors with its first bytes");
            into.put(got.data());
            if (into.hasRemaining()) continue;
            if (c.body == null) {
                int total = c.header.flip().getInt();
                if (total <= 0 || total > ForwardProtocol.MAX_REQUEST) {
                    throw new ForwardProtocol.BadRequest(
                            "a request of "
                                    + total
                                    + " bytes: the most the daemon takes is "
                                    + ForwardProtocol.MAX_REQUEST
                                    + " (argv, environment and working directory together)");
                }
                // a request of a usual size needs no budget (the connection cap bounds those);
                // large ones share one
                if (total > SMALL_REQUEST && budgetUsed + total > limits.requestBudgetBytes()) {
                    throw new ForwardProtocol.BadRequest(
                            "the daemon is reading "
                                    + budgetUsed
                                    + " bytes of requests"
                                    + " already, the most it holds at once; try again");
                }
                try {
                    c.share = HeapBudget.PROCESS.take(total, "a command's request");
                } catch (ResourceExhaustedException e) {
                    throw new ForwardProtocol.BadRequest(e.getMessage());
                }
                if (total > SMALL_REQUEST) {
                    budgetUsed += total;
                    c.budgeted = total;
                }
                c.body =
                        ByteBuffer.allocate(
                                total); // only now, and only as much as the budget allowed
                continue;
            }
            ForwardProtocol.Request r = ForwardProtocol.Request.parse(c.body.flip());
            release(c);
            run(c, r);
            return;
        }
    }

    private void release(Conn c) {
        budgetUsed -= c.budgeted;
        c.budgeted = 0;
        c.body = null;
        if (c.share != null) c.share.close();
        c.share = null;
    }

    /**
     * Frames from a client whose command runs: signals go to the command, sizes to its terminal.
     */
    private void readFrames(Conn c, MemorySegment buf) throws OsException {
        while (!c.clientGone) {
            int n = LibNana.read(c.fd, buf, c.frame.remaining());
            if (n == 0) {
                clientGone(c);
                return;
            }
            c.frame.put(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            if (c.frame.hasRemaining()) continue;
            c.frame.flip();
            byte type = c.frame.get();
            int value = c.frame.getInt();
            c.frame.clear();
            Io io = c.io;
            ClientTerminal terminal = c.terminal;
            switch (type) {
                // the handlers may block (run proxies a signal to its container): never on this
                // thread
                case ForwardProtocol.SIGNAL -> {
                    if (value >= 1 && value <= 64) c.signals.post(value, io, c);
                }
                case ForwardProtocol.WINSIZE -> c.resizes.post(value, terminal);
                default -> {} // a newer client's frame: ignored
            }
        }
    }

    /**
     * A connection's signals, delivered one at a time on one virtual thread, each pending signal
     * once, as the kernel coalesces a process's pending signals: a client that sends thousands of
     * frames makes one runtime kill at a time, not thousands.
     */
    private static final class Signals {
        private final AtomicLong pending = new AtomicLong(); // bit n-1: signal n
        private final AtomicBoolean delivering = new AtomicBoolean();

        void post(int sig, Io io, Conn c) {
            pending.getAndUpdate(p -> p | (1L << (sig - 1)));
            if (!delivering.compareAndSet(false, true)) return;
            Thread.ofVirtual()
                    .start(
                            () -> {
                                do {
                                    long now = pending.getAndSet(0);
                                    for (int n = 1; n <= 64; n++)
                                        if ((now & (1L << (n - 1))) != 0 && !io.signal(n))
                                            interruptCommand(c);
                                    delivering.set(false);
                                } while (pending.get() != 0
                                        && delivering.compareAndSet(false, true));
                            });
        }
    }

    /** A connection's window sizes: only the newest matters, delivered by one thread at a time. */
    private static final class Resizes {
        private final AtomicInteger latest = new AtomicInteger(-1);
        private final AtomicBoolean delivering = new AtomicBoolean();

        void post(int size, ClientTerminal terminal) {
            latest.set(size);
            if (!delivering.compareAndSet(false, true)) return;
            Thread.ofVirtual()
                    .start(
                            () -> {
                                do {
                                    int v = latest.getAndSet(-1);
                                    if (v != -1) terminal.resized(v >>> 16, v & 0xffff);
                                    delivering.set(false);
                                } while (latest.get() != -1
                                        && delivering.compareAndSet(false, true));
                            });
        }
    }

    /** The client went away while its command runs: the command is interrupted, and ends. */
    private void clientGone(Conn c) {
        if (c.clientGone) return;
        c.clientGone = true;
        try {
            LibNana.epollDel(epoll, c.fd);
        } catch (OsException ignored) {
            // already out
        }
        interruptCommand(c);
    }

    /**
     * Interrupts the connection's command if it still runs, and never the next command of its
     * pooled thread.
     */
    private static void interruptCommand(Conn c) {
        synchronized (c) {
            if (c.command != null) c.command.interrupt();
        }
    }

    /** Deadlines: a client that has not sent its whole request in time is let go. */
    private void expire() {
        long now = System.nanoTime();
        List<Conn> late = new ArrayList<>();
        for (Conn c : conns.values()) if (!c.running() && now - c.deadline > 0) late.add(c);
        for (Conn c : late) {
            log.warn(
                    "forwarded command refused: the client sent no whole request within {} ms",
                    limits.requestDeadlineMillis());
            refuse(
                    c,
                    "nana: the daemon got no whole command within "
                            + limits.requestDeadlineMillis()
                            + " ms");
        }
    }

    /** Ends a connection whose request was refused, telling the client why when it can be told. */
    private void refuse(Conn c, String why) {
        if (why != null && c.stdio.size() == 3) {
            try {
                LibNana.writeFully(c.stdio.get(2), why + "\n");
            } catch (OsException | RuntimeException ignored) {
                // its stderr is gone
            }
        }
        try {
            sendFrame(c.fd, ForwardProtocol.EXIT, NanaCommand.EXIT_NANA_FAILED);
        } catch (OsException ignored) {
            // the client is gone
        }
        release(c);
        forget(c);
    }

    /** Closes a connection and all it brought. Only here, on the reactor: it alone reads them. */
    private void forget(Conn c) {
        if (conns.remove(c.token) == null) return;
        if (c.lasting) lastingRunning--;
        if (c.share != null) c.share.close();
        if (!c.clientGone) { // clientGone took it out of the set already
            try {
                LibNana.epollDel(epoll, c.fd);
            } catch (OsException | IllegalStateException ignored) {
                // out already
            }
        }
        c.fd.close();
        c.stdio.forEach(Fd::close);
    }

    // ---- commands

    private void run(Conn c, ForwardProtocol.Request r) {
        if (log.isDebugEnabled())
            log.debug("forwarded command: nana {}", String.join(" ", redacted(r.args())));
        String[] args = r.args().toArray(String[]::new);
        String name = NanaCommand.subcommandOf(args);
        boolean lasting = name != null && LASTING.contains(name);
        if (lasting && lastingRunning >= limits.maxLasting()) {
            log.warn(
                    "forwarded command refused: {} long-running ones run, the most this daemon runs",
                    lastingRunning);
            refuse(
                    c,
                    "nana: the daemon runs "
                            + lastingRunning
                            + " long-running commands at once (wait, events, attach, logs, run,"
                            + " exec, stats), its most: try again when some end");
            return;
        }
        try {
            long bytes = name != null ? COMMAND_BYTES : WHOLE_TREE_COMMAND_BYTES;
            c.share =
                    lasting
                            ? HeapBudget.PROCESS.takeLasting(bytes, "a command")
                            : HeapBudget.PROCESS.take(bytes, "a command");
        } catch (ResourceExhaustedException e) {
            log.warn("forwarded command refused: {}", e.getMessage());
            refuse(c, "nana: " + e.getMessage());
            return;
        }
        c.lasting = lasting;
        if (lasting) lastingRunning++;
        c.terminal = new ClientTerminal(c.fd, c.stdio.get(0));
        c.io =
                new Io(
                        new FdInputStream(c.stdio.get(0)),
                        new FdOutputStream(c.stdio.get(1), () -> c.clientGone),
                        new FdOutputStream(c.stdio.get(2), () -> c.clientGone),
                        r.env(),
                        r.cwd(),
                        supervisor,
                        c.terminal);
        try {
            sendFrame(
                    c.fd,
                    ForwardProtocol.ACCEPTED,
                    0); // the client's deadline for a first answer ends here
            commands.execute(() -> execute(c, args));
        } catch (OsException e) {
            clientGone(c);
            finished.add(c);
        } catch (RuntimeException e) { // rejected: the server is closing
            refuse(c, "nana: the daemon is stopping");
        }
    }

    private void execute(Conn c, String[] args) {
        synchronized (c) {
            c.command = Thread.currentThread();
        }
        try {
            int code = NanaCommand.executeForwarded(c.io, args);
            sendFrame(c.fd, ForwardProtocol.EXIT, code);
        } catch (OsException | RuntimeException e) {
            log.warn("forwarded command failed: {}", e.toString());
        } finally {
            synchronized (c) {
                c.command = null;
            }
            Thread.interrupted(); // after the above, no interrupt meant for this command can
            // land: the next starts clean
            finished.add(c);
            wakeReactor();
        }
    }

    private void wakeReactor() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            LibNana.write(wake, one, 8);
        } catch (OsException e) {
            // the counter is full: the reactor wakes anyway
        }
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
     * A command line fit for a log: environment values hidden (-e K=V, --env K=V, --env=K=V become
     * K=***), and the container's own command after "--" only counted; either may carry secrets.
     */
    static List<String> redacted(List<String> args) {
        List<String> out = new ArrayList<>();
        boolean envValue = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                out.add("-- (" + (args.size() - i - 1) + " args)");
                break;
            }
            if (envValue) out.add(hideValue(a));
            else if (a.startsWith("--env=")) out.add("--env=" + hideValue(a.substring(6)));
            else if (a.startsWith("-e") && a.length() > 2 && !a.startsWith("--"))
                out.add("-e" + hideValue(a.substring(2)));
            else out.add(a);
            envValue = a.equals("-e") || a.equals("--env");
        }
        return out;
    }

    private static String hideValue(String kv) {
        int eq = kv.indexOf('=');
        return eq < 0 ? kv : kv.substring(0, eq + 1) + "***";
    }

    /** The thin client's terminal: it sets raw mode itself, on our word, and tells us its size. */
    static final class ClientTerminal implements Terminal {
        private final Fd conn;
        private final Fd stdin;
        private volatile int[] size;
        private volatile Runnable onResize;

        ClientTerminal(Fd conn, Fd stdin) {
            this.conn = conn;
            this.stdin = stdin;
        }

        void resized(int rows, int cols) {
            size = rows > 0 && cols > 0 ? new int[] {rows, cols} : null;
            Runnable r = onResize;
            if (r != null) r.run();
        }

        @Override
        public boolean isTty() {
            return LibNana.isatty(stdin);
        }

        @Override
        public void raw(boolean on) {
            try {
                sendFrame(conn, ForwardProtocol.RAW, on ? 1 : 0);
            } catch (OsException | IllegalStateException e) {
                // the client is gone
            }
        }

        @Override
        public int[] size() {
            return size;
        }

        @Override
        public void onResize(Runnable handler) {
            onResize = handler;
        }
    }

    /** Reads a forwarded descriptor. */
    static final class FdInputStream extends InputStream {
        private final Fd fd;

        FdInputStream(Fd fd) {
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
    static final class FdOutputStream extends OutputStream implements FdSink {
        private static final int GONE_CHECK_MILLIS = 200;
        private final Fd fd;
        private final BooleanSupplier clientGone;

        FdOutputStream(Fd fd, BooleanSupplier clientGone) {
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
            return OutputFailed.of(cause);
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
                    if (gone()) throw new OutputGone(new IOException("the client went away"));
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

    @Override
    public void close() {
        closed = true;
        wakeReactor();
        try {
            reactor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commands.shutdown();
        listener.close();
        for (Conn c : new ArrayList<>(conns.values())) {
            if (!c.running()) forget(c);
        }
        epoll.close();
        wake.close();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // the next daemon replaces it
        }
    }
}
