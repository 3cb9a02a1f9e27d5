package dev.nana.cli;

import dev.nana.Supervisor;
import dev.nana.os.Fd;
import dev.nana.os.LibNana;
import dev.nana.os.OsException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's end of the thin CLI (native/src/client): on {@code <address>.cli}, a client
 * hands over its argv, environment, working directory and stdio descriptors; the daemon
 * runs the same picocli command tree in its warm JVM on its own supervisor, writing straight
 * to the client's descriptors, and answers with the exit code. The client forwards the
 * signals it gets. Wire format (big-endian), see native/src/client/forward.h:
 *
 * <pre>
 * client → daemon  u32 length, then: "NANA" u32 version
 *                  u32 argc {u32 len, bytes}… u32 envc {u32 len, "K=V"}… u32 len, cwd
 *                  (SCM_RIGHTS with the first bytes: stdin, stdout, stderr)
 * client → daemon  'S' u32 signal              a signal the client received
 * client → daemon  'W' u32 rows << 16 | cols   its terminal's size (at once, and on SIGWINCH)
 * daemon → client  'R' u32 on                  raw mode on (1) or back off (0), for run -it
 * daemon → client  'X' u32 code                the command's exit code; then close
 * </pre>
 */
final class ForwardServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ForwardServer.class);
    static final int VERSION = 1;
    private static final int MAX_REQUEST = 4 << 20;

    private final Path path;
    private final Fd listener;
    private final Supervisor supervisor;
    private final boolean groupAccess;
    private final Thread acceptor;
    private volatile boolean closed;

    private ForwardServer(Path path, Fd listener, Supervisor supervisor, boolean groupAccess) {
        this.path = path;
        this.listener = listener;
        this.supervisor = supervisor;
        this.groupAccess = groupAccess;
        this.acceptor = Thread.ofPlatform().name("nana-forward").daemon().start(this::acceptLoop);
    }

    /** The forwarding socket that belongs to a daemon address. */
    static Path socketFor(Path address) {
        return address.resolveSibling(address.getFileName() + ".cli");
    }

    static ForwardServer start(Path address, Supervisor supervisor, java.nio.file.attribute.GroupPrincipal group)
            throws IOException {
        Path path = socketFor(address);
        Fd l = LibNana.unixListen(path, 64);
        if (group != null) {
            java.nio.file.Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(group);
            java.nio.file.Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
        }
        return new ForwardServer(path, l, supervisor, group != null);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Fd conn = LibNana.accept(listener);
                Thread.ofPlatform().name("nana-forwarded").daemon().start(() -> serve(conn));
            } catch (OsException e) {
                if (!closed) log.warn("forwarding socket {}: {}", path, e.getMessage());
                return;
            }
        }
    }

    private void serve(Fd conn) {
        List<Fd> stdio = List.of();
        try (conn) {
            // the socket's mode already keeps others out; the kernel's word on who called settles it
            int uid = LibNana.peerUid(conn);
            if (uid != 0 && !groupAccess) {
                log.warn("forwarded command from uid {} refused: the socket is root-only (start the daemon with --group)", uid);
                return;
            }
            // the first receive brings the descriptors; the rest of the request may follow
            LibNana.Received first = LibNana.recvFds(conn, 65536, 3);
            stdio = first.fds();
            if (stdio.size() != 3 || first.data().length < 4) {
                log.warn("forwarded command without its 3 stdio descriptors: ignored");
                return;
            }
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            req.write(first.data());
            int total = ByteBuffer.wrap(first.data(), 0, 4).getInt();
            if (total < 0 || total > MAX_REQUEST) return;
            while (req.size() < 4 + total) {
                LibNana.Received more = LibNana.recvFds(conn, 65536, 0);
                if (more.data().length == 0) return;
                req.write(more.data());
            }
            Request r = Request.parse(ByteBuffer.wrap(req.toByteArray(), 4, total));
            if (log.isDebugEnabled()) log.debug("forwarded command from uid {}: nana {}", uid, String.join(" ", redacted(r.args())));
            ClientTerminal terminal = new ClientTerminal(conn, stdio.get(0));
            Io io = new Io(new FdInputStream(stdio.get(0)), new FdOutputStream(stdio.get(1)),
                    new FdOutputStream(stdio.get(2)), r.env(), r.cwd(), supervisor, terminal);
            Thread command = Thread.currentThread();
            Thread.ofPlatform().name("nana-forwarded-signals").daemon().start(() -> readFrames(conn, io, terminal, command));
            int code = NanaCommand.commandLine(io).execute(r.args().toArray(String[]::new));
            send(conn, 'X', code);
        } catch (IOException | RuntimeException e) {
            log.warn("forwarded command failed: {}", e.toString());
        } finally {
            stdio.forEach(Fd::close);
        }
    }

    /**
     * A command line fit for a log: environment values hidden (-e K=V, --env K=V, --env=K=V
     * become K=***), and the container's own command after "--" only counted; either may
     * carry secrets.
     */
    static List<String> redacted(List<String> args) {
        List<String> out = new java.util.ArrayList<>();
        boolean envValue = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                out.add("-- (" + (args.size() - i - 1) + " args)");
                break;
            }
            if (envValue) out.add(hideValue(a));
            else if (a.startsWith("--env=")) out.add("--env=" + hideValue(a.substring(6)));
            else if (a.startsWith("-e") && a.length() > 2 && !a.startsWith("--")) out.add("-e" + hideValue(a.substring(2)));
            else out.add(a);
            envValue = a.equals("-e") || a.equals("--env");
        }
        return out;
    }

    private static String hideValue(String kv) {
        int eq = kv.indexOf('=');
        return eq < 0 ? kv : kv.substring(0, eq + 1) + "***";
    }

    /**
     * Frames from the client: signals go to the command (run proxies them), else interrupt
     * it; sizes go to its terminal.
     */
    private static void readFrames(Fd conn, Io io, ClientTerminal terminal, Thread command) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(5);
            while (!conn.isClosed()) {
                int n = 0;
                while (n < 5) {
                    int r = LibNana.read(conn, buf.asSlice(n), 5 - n);
                    if (r == 0) {
                        command.interrupt(); // the client is gone
                        return;
                    }
                    n += r;
                }
                int value = buf.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 1);
                switch (buf.get(ValueLayout.JAVA_BYTE, 0)) {
                    case 'S' -> {
                        if (!io.signal(value)) command.interrupt();
                    }
                    case 'W' -> terminal.resized(value >>> 16, value & 0xffff);
                    default -> { } // a newer client's frame: ignored
                }
            }
        } catch (OsException | IllegalStateException e) {
            // the connection closed: the command is done
        }
    }

    /** One 5-byte frame to the client; frames from several threads never interleave. */
    static void send(Fd conn, char type, int value) throws OsException {
        synchronized (conn) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment m = arena.allocate(5);
                m.set(ValueLayout.JAVA_BYTE, 0, (byte) type);
                m.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 1, value);
                int off = 0;
                while (off < 5) off += LibNana.write(conn, m.asSlice(off), 5 - off);
            }
        }
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
                send(conn, 'R', on ? 1 : 0);
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

    record Request(List<String> args, Map<String, String> env, Path cwd) {
        static Request parse(ByteBuffer b) {
            byte[] magic = new byte[4];
            b.get(magic);
            if (!new String(magic, StandardCharsets.US_ASCII).equals("NANA") || b.getInt() != VERSION) {
                throw new IllegalArgumentException("not a nana forwarding request of version " + VERSION);
            }
            List<String> args = strings(b);
            Map<String, String> env = new HashMap<>();
            for (String kv : strings(b)) {
                int eq = kv.indexOf('=');
                if (eq > 0) env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            return new Request(args, env, Path.of(string(b)));
        }

        private static List<String> strings(ByteBuffer b) {
            int n = b.getInt();
            List<String> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) out.add(string(b));
            return out;
        }

        private static String string(ByteBuffer b) {
            byte[] s = new byte[b.getInt()];
            b.get(s);
            return new String(s, StandardCharsets.UTF_8);
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

    /** Writes to a forwarded descriptor. */
    static final class FdOutputStream extends OutputStream {
        private final Fd fd;

        FdOutputStream(Fd fd) {
            this.fd = fd;
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
                while (done < len) done += LibNana.write(fd, buf.asSlice(done), len - done);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.close();
        acceptor.interrupt();
        try {
            java.nio.file.Files.deleteIfExists(path);
        } catch (IOException e) {
            // the next daemon replaces it
        }
    }
}
