package dev.nana.daemon.forward;

import dev.nana.ResourceExhaustedException;
import dev.nana.spi.CommandRunner;
import dev.nana.supervisor.HeapBudget;
import dev.nana.supervisor.LocalSupervisor;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's end of the thin CLI (native/src/client): on {@code <address>.cli}, a client hands
 * over its argv, environment, working directory and stdio descriptors; the daemon has its {@link
 * CommandRunner} (nana's CLI) run them in its warm JVM on its own supervisor, writing straight to
 * the client's descriptors, and answers with the exit code. The client forwards the signals it
 * gets. The wire format is {@link ForwardProtocol}; a {@link Connection} is one client.
 *
 * <p>One reactor thread (an epoll through libnana) accepts connections, reads requests and the
 * frames that follow them, without blocking: a connection costs no thread until its request is
 * whole, and a request must be whole within {@link Limits#requestDeadlineMillis}. Each length is
 * checked before anything is allocated for it, requests being read share a byte budget, and
 * connections are capped (a client over the cap is told so, 'B'). Only then does the command get a
 * thread of its own. The accept loop outlives a full descriptor table: it pauses, says so, and
 * accepts again.
 */
public final class ForwardServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ForwardServer.class);

    /**
     * What the server takes at most (docs/SECURITY.md lists them).
     *
     * @param maxConnections clients connected at once, waiting or running
     * @param requestBudgetBytes bytes of requests larger than {@link ForwardServer#SMALL_REQUEST}
     *     being read, all together
     * @param requestDeadlineMillis how long a client has to send its whole request
     * @param maxLasting long-running commands ({@link CommandRunner.Kind#lasting}) running at once
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
    private final LocalSupervisor supervisor;
    private final CommandRunner runner;
    private final boolean groupAccess;
    private final Limits limits;
    private final Fd epoll;
    private final Fd wake;
    private final Map<Long, Connection> conns = new HashMap<>(); // the reactor's alone
    private final ConcurrentLinkedQueue<Connection> finished = new ConcurrentLinkedQueue<>();
    private final ExecutorService commands;
    private final Thread reactor;
    private long nextToken = LISTENER + 1;
    private int budgetUsed;
    private int lastingRunning; // long-running commands started and not yet forgotten
    private long acceptPausedUntil;
    private long lastEmfileWarning;
    private volatile boolean closed;

    private ForwardServer(
            Path path,
            Fd listener,
            LocalSupervisor supervisor,
            CommandRunner runner,
            boolean groupAccess,
            Limits limits)
            throws OsException {
        this.path = path;
        this.listener = listener;
        this.supervisor = supervisor;
        this.runner = runner;
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
    public static Path socketFor(Path address) {
        return address.resolveSibling(address.getFileName() + ".cli");
    }

    /**
     * Serves {@code <address>.cli}: {@code runner} runs what clients send, on {@code supervisor}.
     */
    public static ForwardServer start(
            Path address, LocalSupervisor supervisor, CommandRunner runner, GroupPrincipal group)
            throws IOException {
        return start(address, supervisor, runner, group, Limits.DEFAULT);
    }

    static ForwardServer start(
            Path address,
            LocalSupervisor supervisor,
            CommandRunner runner,
            GroupPrincipal group,
            Limits limits)
            throws IOException {
        Path path = socketFor(address);
        Fd l = LibNana.unixListen(path, 128);
        try {
            if (group != null) {
                Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(group);
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
            }
            return new ForwardServer(path, l, supervisor, runner, group != null, limits);
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
                        Connection c = conns.get(token);
                        if (c != null) readable(c, buf);
                    }
                }
                for (Connection c; (c = finished.poll()) != null; ) forget(c);
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
        for (Connection c : conns.values()) if (!c.running()) next = Math.min(next, c.deadline);
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
                Connection.sendFrame(fd, ForwardProtocol.BUSY, limits.maxConnections());
                fd.close();
                return;
            }
            LibNana.setNonblock(fd, true);
            Connection c =
                    new Connection(
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
        List<Connection> closed = new ArrayList<>();
        for (Connection c : conns.values()) {
            try {
                if (!c.running() && (LibNana.poll(c.fd, LibNana.POLLIN, 0) & LibNana.POLLHUP) != 0)
                    closed.add(c);
            } catch (OsException e) {
                closed.add(c);
            }
        }
        for (Connection c : closed) {
            release(c);
            forget(c);
        }
    }

    private void readable(Connection c, MemorySegment buf) {
        try {
            if (c.running()) {
                if (!c.readFrames(buf)) clientGone(c);
            } else readRequest(c, buf);
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
    private void readRequest(Connection c, MemorySegment buf)
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

    private void release(Connection c) {
        budgetUsed -= c.budgeted;
        c.budgeted = 0;
        c.body = null;
        if (c.share != null) c.share.close();
        c.share = null;
    }

    /** The client went away while its command runs: the command is interrupted, and ends. */
    private void clientGone(Connection c) {
        if (c.clientGone) return;
        c.clientGone = true;
        try {
            LibNana.epollDel(epoll, c.fd);
        } catch (OsException ignored) {
            // already out
        }
        c.interruptCommand();
    }

    /** Deadlines: a client that has not sent its whole request in time is let go. */
    private void expire() {
        long now = System.nanoTime();
        List<Connection> late = new ArrayList<>();
        for (Connection c : conns.values()) if (!c.running() && now - c.deadline > 0) late.add(c);
        for (Connection c : late) {
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
    private void refuse(Connection c, String why) {
        if (why != null && c.stdio.size() == 3) {
            try {
                LibNana.writeFully(c.stdio.get(2), why + "\n");
            } catch (OsException | RuntimeException ignored) {
                // its stderr is gone
            }
        }
        try {
            Connection.sendFrame(c.fd, ForwardProtocol.EXIT, CommandRunner.FAILED);
        } catch (OsException ignored) {
            // the client is gone
        }
        release(c);
        forget(c);
    }

    /** Closes a connection and all it brought. Only here, on the reactor: it alone reads them. */
    private void forget(Connection c) {
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

    private void run(Connection c, ForwardProtocol.Request r) {
        if (log.isDebugEnabled())
            log.debug("forwarded command: nana {}", String.join(" ", runner.redacted(r.args())));
        CommandRunner.Kind kind = runner.kindOf(r.args());
        if (kind.lasting() && lastingRunning >= limits.maxLasting()) {
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
            long bytes = kind.subcommand() != null ? COMMAND_BYTES : WHOLE_TREE_COMMAND_BYTES;
            c.share =
                    kind.lasting()
                            ? HeapBudget.PROCESS.takeLasting(bytes, "a command")
                            : HeapBudget.PROCESS.take(bytes, "a command");
        } catch (ResourceExhaustedException e) {
            log.warn("forwarded command refused: {}", e.getMessage());
            refuse(c, "nana: " + e.getMessage());
            return;
        }
        c.lasting = kind.lasting();
        if (c.lasting) lastingRunning++;
        ForwardedCall call = c.startCall(r.env(), r.cwd(), supervisor, supervisor.stateDir());
        try {
            Connection.sendFrame(
                    c.fd,
                    ForwardProtocol.ACCEPTED,
                    0); // the client's deadline for a first answer ends here
            commands.execute(() -> execute(c, call, r.args()));
        } catch (OsException e) {
            clientGone(c);
            finished.add(c);
        } catch (RuntimeException e) { // rejected: the server is closing
            refuse(c, "nana: the daemon is stopping");
        }
    }

    private void execute(Connection c, ForwardedCall call, List<String> args) {
        c.commandThread(Thread.currentThread());
        try {
            int code = runner.run(args, call);
            Connection.sendFrame(c.fd, ForwardProtocol.EXIT, code);
        } catch (OsException | RuntimeException e) {
            log.warn("forwarded command failed: {}", e.toString());
        } finally {
            c.commandThread(null);
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
        for (Connection c : new ArrayList<>(conns.values())) {
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
