package dev.nana.supervisor.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The FFM binding of {@code native/include/nana.h}, written by hand (jextract is not available on
 * nana's machines) in the header's order. Each C function has a raw {@link MethodHandle} and,
 * beside it, a checked wrapper: the wrapper allocates its temporaries in a confined arena and turns
 * a negative return into an {@link OsException} through {@link Errors}. Callers only use the
 * wrappers.
 *
 * <p>{@code NanaHeaderDriftTest} parses nana.h and fails when a function has no entry in {@link
 * #SIGNATURES} or when an entry's signature differs from the header.
 */
public final class LibNana {
    /** Must equal NANA_ABI_VERSION of the library that is loaded. */
    public static final int ABI_VERSION = 7;

    public static final int SPAWN_SETSID = 1;
    public static final int EV_IN = 0x001;
    public static final int EV_OUT = 0x004;
    public static final int EV_ERR = 0x008;
    public static final int EV_HUP = 0x010;

    /** poll(2) bits, for {@link #poll}. */
    public static final int POLLIN = 0x001;

    public static final int POLLOUT = 0x004;
    public static final int POLLHUP = 0x010;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Map<String, FunctionDescriptor> SIGNATURE_MAP = new LinkedHashMap<>();

    /** Every bound function's signature, by C name, for the drift test. */
    public static final Map<String, FunctionDescriptor> SIGNATURES =
            Collections.unmodifiableMap(SIGNATURE_MAP);

    private static final MethodHandle ABI_VERSION_FN =
            fn("nana_abi_version", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SPAWN =
            fn(
                    "nana_spawn",
                    FunctionDescriptor.of(
                            JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT,
                            JAVA_INT));
    private static final MethodHandle WAITPID =
            fn("nana_waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle EXIT_CODE =
            fn("nana_exit_code", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle KILL =
            fn("nana_kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle KILL_GROUP =
            fn("nana_kill_group", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SET_SUBREAPER =
            fn("nana_set_subreaper", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MKFIFO =
            fn("nana_mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FIFO_OPEN_READ =
            fn("nana_fifo_open_read", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FIFO_OPEN_WRITE =
            fn("nana_fifo_open_write", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FIFO_OPEN_RDWR =
            fn("nana_fifo_open_rdwr", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle PIPE =
            fn("nana_pipe", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle PIPE_SET_SIZE =
            fn("nana_pipe_set_size", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Lazy SPLICE =
            new Lazy("nana_splice", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SET_NONBLOCK =
            fn("nana_set_nonblock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ =
            fn("nana_read", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle WRITE =
            fn("nana_write", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE =
            fn("nana_close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL =
            fn("nana_poll", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CREATE =
            fn("nana_epoll_create", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle EPOLL_ADD =
            fn(
                    "nana_epoll_add",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle EPOLL_DEL =
            fn("nana_epoll_del", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_WAIT =
            fn(
                    "nana_epoll_wait",
                    FunctionDescriptor.of(
                            JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle INOTIFY_INIT =
            fn("nana_inotify_init", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle INOTIFY_ADD =
            fn("nana_inotify_add", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle EVENTFD = fn("nana_eventfd", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle PROC_STARTTIME =
            fn("nana_proc_starttime", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle PIDFD_OPEN =
            fn("nana_pidfd_open", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PIDFD_SEND_SIGNAL =
            fn("nana_pidfd_send_signal", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle UNIX_LISTEN =
            fn("nana_unix_listen", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle UNIX_CONNECT =
            fn("nana_unix_connect", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ACCEPT =
            fn("nana_accept", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle RECV_FDS =
            fn(
                    "nana_recv_fds",
                    FunctionDescriptor.of(
                            JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle PEER_UID =
            fn("nana_peer_uid", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle ISATTY =
            fn("nana_isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle TERM_SIZE =
            fn("nana_term_size", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR =
            fn("nana_strerror", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    private static final Lazy MKNOD =
            new Lazy(
                    "nana_mknod",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Lazy LSETXATTR =
            new Lazy(
                    "nana_lsetxattr",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
    private static final Lazy MOUNT =
            new Lazy(
                    "nana_mount",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final Lazy UMOUNT =
            new Lazy("nana_umount", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final Lazy OPEN_IN_ROOT =
            new Lazy("nana_open_in_root", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final Lazy ENTER_NETNS =
            new Lazy("nana_enter_netns", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    /** mknod(2)'s file type of a character device (an overlayfs whiteout is one, 0:0). */
    public static final int S_IFCHR = 0020000;

    public static final int S_IFBLK = 0060000;

    /** mount(2) flags and umount2(2)'s MNT_DETACH. */
    public static final long MS_RDONLY = 1;

    public static final long MS_BIND = 4096;

    public static final int MNT_DETACH = 2;

    private LibNana() {}

    /**
     * Binds one function. When libnana cannot be loaded the handle throws the loader's remembered
     * {@link NativeUnavailableException} at each call, so the class itself always initialises and
     * the error says what to fix.
     */
    @SuppressWarnings("restricted") // a downcall is what this class is for; the JVM runs with
    // --enable-native-access
    private static MethodHandle fn(String name, FunctionDescriptor descriptor) {
        SIGNATURE_MAP.put(name, descriptor);
        return link(name, descriptor);
    }

    @SuppressWarnings("restricted") // as fn
    private static MethodHandle link(String name, FunctionDescriptor descriptor) {
        try {
            MemorySegment symbol =
                    NativeLibrary.lookup()
                            .find(name)
                            .orElseThrow(
                                    () ->
                                            new NativeUnavailableException(
                                                    "libnana has no symbol "
                                                            + name
                                                            + ": it is older than this jar; rebuild it with scripts/build"));
            return LINKER.downcallHandle(symbol, descriptor);
        } catch (NativeUnavailableException e) {
            MethodType type = descriptor.toMethodType();
            MethodHandle thrower =
                    MethodHandles.throwException(
                            type.returnType(), NativeUnavailableException.class);
            thrower = MethodHandles.insertArguments(thrower, 0, e);
            return MethodHandles.dropArguments(thrower, 0, type.parameterList());
        }
    }

    /**
     * A binding linked on its first call, for the filesystem functions only the image store uses: a
     * daemon or CLI that starts links none of them (each new function shape costs FFM 3–4 ms,
     * docs/BENCHMARKS.md). Its signature is in {@link #SIGNATURES} from the start.
     */
    private static final class Lazy {
        private final String name;
        private final FunctionDescriptor descriptor;
        private volatile MethodHandle handle;

        Lazy(String name, FunctionDescriptor descriptor) {
            SIGNATURE_MAP.put(name, descriptor);
            this.name = name;
            this.descriptor = descriptor;
        }

        MethodHandle get() {
            MethodHandle h = handle;
            if (h == null) handle = h = link(name, descriptor); // a race links twice, harmlessly
            return h;
        }
    }

    /** Checks that the loaded library speaks this binding's ABI; throws with the fix if not. */
    public static void requireAbi() {
        int loaded = abiVersion();
        if (loaded != ABI_VERSION) {
            throw new NativeUnavailableException(
                    "libnana "
                            + NativeLibrary.locate()
                            + " has ABI version "
                            + loaded
                            + " but this jar needs "
                            + ABI_VERSION
                            + ": rebuild both with scripts/build");
        }
    }

    /** One downcall: {@code () -> (int) HANDLE.invokeExact(args)}. */
    @FunctionalInterface
    private interface Downcall {
        int invoke() throws Throwable;
    }

    /**
     * Runs a downcall. Every call site uses invokeExact with the handle's exact types:
     * invokeWithArguments would box, spread and adapt at each call (JFR found it in the daemon's
     * hot path), where invokeExact links once.
     */
    private static int call(Downcall downcall) {
        try {
            return downcall.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("libnana call failed", t);
        }
    }

    // ---- nana_abi_version
    public static int abiVersion() {
        return call(() -> (int) ABI_VERSION_FN.invokeExact());
    }

    // ---- nana_spawn
    /**
     * Spawns a process (posix_spawn: the JVM never forks). Child fd i becomes a copy of {@code
     * fds[i]}, or /dev/null where it is negative; every other fd is closed.
     */
    public static int spawn(
            String path, List<String> argv, List<String> env, Path cwd, int[] fds, int flags)
            throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fdArray = arena.allocate(JAVA_INT, Math.max(1, fds.length));
            for (int i = 0; i < fds.length; i++) fdArray.setAtIndex(JAVA_INT, i, fds[i]);
            MemorySegment envArray = env == null ? MemorySegment.NULL : stringArray(arena, env);
            MemorySegment cwdString =
                    cwd == null ? MemorySegment.NULL : arena.allocateFrom(cwd.toString());
            int rc =
                    call(
                            () ->
                                    (int)
                                            SPAWN.invokeExact(
                                                    arena.allocateFrom(path),
                                                    stringArray(arena, argv),
                                                    envArray,
                                                    cwdString,
                                                    fdArray,
                                                    fds.length,
                                                    flags));
            return Errors.check(rc, "spawn " + path);
        }
    }

    private static MemorySegment stringArray(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++)
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(strings.get(i)));
        array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }

    // ---- nana_waitpid / nana_exit_code
    /**
     * Waits for one given child; returns its exit code (or 128 + signal), or -1 with nohang while
     * it runs.
     */
    public static int waitExitCode(int pid, boolean nohang) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            int rc =
                    Errors.check(
                            call(() -> (int) WAITPID.invokeExact(pid, status, nohang ? 1 : 0)),
                            "wait for pid " + pid);
            return rc == 0 ? -1 : exitCode(status.get(JAVA_INT, 0));
        }
    }

    public static int exitCode(int waitStatus) {
        return call(() -> (int) EXIT_CODE.invokeExact(waitStatus));
    }

    // ---- nana_kill / nana_kill_group / nana_set_subreaper
    public static void kill(int pid, int signal) throws OsException {
        Errors.check(
                call(() -> (int) KILL.invokeExact(pid, signal)),
                "kill pid " + pid + " with signal " + signal);
    }

    /**
     * Signals a whole process group: a program spawned with SPAWN_SETSID and everything it started.
     */
    public static void killGroup(int pgid, int signal) throws OsException {
        Errors.check(
                call(() -> (int) KILL_GROUP.invokeExact(pgid, signal)),
                "kill process group " + pgid + " with signal " + signal);
    }

    public static void setSubreaper(boolean on) throws OsException {
        Errors.check(
                call(() -> (int) SET_SUBREAPER.invokeExact(on ? 1 : 0)), "PR_SET_CHILD_SUBREAPER");
    }

    // ---- Filesystems (image layers, containers' root filesystems)

    /** mknod(2): mode holds the file type ({@link #S_IFCHR}, {@link #S_IFBLK}) and permissions. */
    public static void mknod(Path path, int mode, int major, int minor) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocateFrom(path.toString());
            Errors.check(
                    call(() -> (int) MKNOD.get().invokeExact(p, mode, major, minor)),
                    "mknod \"" + path + "\"");
        }
    }

    /** lsetxattr(2): sets name on path itself, never on what a symlink there points to. */
    public static void lsetxattr(Path path, String name, byte[] value) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocateFrom(path.toString());
            MemorySegment n = arena.allocateFrom(name);
            MemorySegment v = arena.allocate(Math.max(1, value.length));
            v.copyFrom(MemorySegment.ofArray(value));
            int len = value.length;
            Errors.check(
                    call(() -> (int) LSETXATTR.get().invokeExact(p, n, v, len)),
                    "set " + name + " on \"" + path + "\"");
        }
    }

    /** mount(2); data may be null. */
    public static void mount(String source, Path target, String fstype, long flags, String data)
            throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocateFrom(source);
            MemorySegment t = arena.allocateFrom(target.toString());
            MemorySegment f = arena.allocateFrom(fstype);
            MemorySegment d = data == null ? MemorySegment.NULL : arena.allocateFrom(data);
            Errors.check(
                    call(() -> (int) MOUNT.get().invokeExact(s, t, f, flags, d)),
                    "mount " + fstype + " on \"" + target + "\"");
        }
    }

    /** umount2(2), e.g. with {@link #MNT_DETACH}. */
    public static void umount(Path target, int flags) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocateFrom(target.toString());
            Errors.check(
                    call(() -> (int) UMOUNT.get().invokeExact(t, flags)),
                    "unmount \"" + target + "\"");
        }
    }

    /**
     * Opens path for reading as if root were "/": symlinks resolve inside root, never on the host;
     * a regular file only (a FIFO, device or folder is {@link OsException} EINVAL); the open never
     * blocks.
     */
    public static Fd openInRoot(Path root, String path) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = arena.allocateFrom(root.toString());
            MemorySegment p = arena.allocateFrom(path);
            return new Fd(
                    Errors.check(
                            call(() -> (int) OPEN_IN_ROOT.get().invokeExact(r, p)),
                            "open \"" + path + "\" inside \"" + root + "\""));
        }
    }

    /**
     * Moves the calling thread into the network namespace pinned at path: sockets it opens after
     * live there. Nothing moves it back, so call it on a platform thread of its own that ends once
     * its sockets are open.
     */
    public static void enterNetns(Path path) throws OsException {
        if (Thread.currentThread().isVirtual())
            throw new IllegalStateException("a virtual thread has no OS thread of its own");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocateFrom(path.toString());
            Errors.check(
                    call(() -> (int) ENTER_NETNS.get().invokeExact(p)),
                    "enter the network namespace \"" + path + "\"");
        }
    }

    // ---- FIFOs and pipes
    public static void mkfifo(Path path, int mode) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            Errors.check(
                    call(() -> (int) MKFIFO.invokeExact(arena.allocateFrom(path.toString()), mode)),
                    "mkfifo \"" + path + "\"");
        }
    }

    /**
     * The read end of a FIFO, non-blocking; sees HUP once every writer is gone, not before the
     * first.
     */
    public static Fd fifoOpenRead(Path path) throws OsException {
        return openFifo(FIFO_OPEN_READ, path, "open fifo for reading");
    }

    /** The write end of a FIFO, without blocking for a reader. */
    public static Fd fifoOpenWrite(Path path) throws OsException {
        return openFifo(FIFO_OPEN_WRITE, path, "open fifo for writing");
    }

    /** Both ends (O_RDWR|O_NONBLOCK): never blocks, never EPIPE. */
    public static Fd fifoOpenReadWrite(Path path) throws OsException {
        return openFifo(FIFO_OPEN_RDWR, path, "open fifo");
    }

    private static Fd openFifo(MethodHandle handle, Path path, String what) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            return new Fd(
                    Errors.check(
                            call(
                                    () ->
                                            (int)
                                                    handle.invokeExact(
                                                            arena.allocateFrom(path.toString()))),
                            what + " \"" + path + "\""));
        }
    }

    /** A close-on-exec pipe: [read end, write end]. */
    public static Fd[] pipe() throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            Errors.check(call(() -> (int) PIPE.invokeExact(fds)), "pipe");
            return new Fd[] {
                new Fd(fds.getAtIndex(JAVA_INT, 0)), new Fd(fds.getAtIndex(JAVA_INT, 1))
            };
        }
    }

    public static int pipeSetSize(Fd fd, int size) throws OsException {
        return Errors.check(
                call(() -> (int) PIPE_SET_SIZE.invokeExact(fd.get(), size)),
                "F_SETPIPE_SZ " + size);
    }

    /**
     * Moves up to len bytes from in to out (one a pipe) inside the kernel, without blocking on the
     * pipes: the count, 0 at in's end. Throws WouldBlock when nothing could move now, and EINVAL
     * when these two cannot be spliced (then copy instead).
     */
    public static int splice(Fd in, Fd out, int len) throws OsException {
        return Errors.check(
                call(() -> (int) SPLICE.get().invokeExact(in.get(), out.get(), len)),
                "splice fd " + in.get() + " to fd " + out.get());
    }

    public static void setNonblock(Fd fd, boolean on) throws OsException {
        Errors.check(
                call(() -> (int) SET_NONBLOCK.invokeExact(fd.get(), on ? 1 : 0)), "set O_NONBLOCK");
    }

    // ---- read / write / close / poll
    /**
     * Reads up to len bytes into buf; returns the count, 0 at EOF. Throws WouldBlock when
     * non-blocking and empty.
     */
    public static int read(Fd fd, MemorySegment buf, int len) throws OsException {
        return Errors.check(
                call(() -> (int) READ.invokeExact(fd.get(), buf, len)), "read fd " + fd.get());
    }

    public static int write(Fd fd, MemorySegment buf, int len) throws OsException {
        return Errors.check(
                call(() -> (int) WRITE.invokeExact(fd.get(), buf, len)), "write fd " + fd.get());
    }

    /** Writes all of text (UTF-8), retrying short writes. */
    public static void writeFully(Fd fd, String text) throws OsException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(JAVA_BYTE, bytes);
            int off = 0;
            while (off < bytes.length) off += write(fd, buf.asSlice(off), bytes.length - off);
        }
    }

    static void closeQuietly(int fd) {
        call(() -> (int) CLOSE.invokeExact(fd));
    }

    /** poll(2) of one fd: the revents, 0 on timeout. */
    public static int poll(Fd fd, int events, int timeoutMillis) throws OsException {
        return Errors.check(
                call(() -> (int) POLL.invokeExact(fd.get(), events, timeoutMillis)),
                "poll fd " + fd.get());
    }

    // ---- epoll
    public static Fd epollCreate() throws OsException {
        return new Fd(Errors.check(call(() -> (int) EPOLL_CREATE.invokeExact()), "epoll_create"));
    }

    public static void epollAdd(Fd epoll, Fd fd, long token, int events) throws OsException {
        Errors.check(
                call(() -> (int) EPOLL_ADD.invokeExact(epoll.get(), fd.get(), token, events)),
                "epoll add fd " + fd.get());
    }

    public static void epollDel(Fd epoll, Fd fd) throws OsException {
        Errors.check(
                call(() -> (int) EPOLL_DEL.invokeExact(epoll.get(), fd.get())),
                "epoll del fd " + fd.get());
    }

    /** Waits; fills tokens/events (native arrays of at least max entries); returns the count. */
    public static int epollWait(
            Fd epoll, MemorySegment tokens, MemorySegment events, int max, int timeoutMillis)
            throws OsException {
        return Errors.check(
                call(
                        () ->
                                (int)
                                        EPOLL_WAIT.invokeExact(
                                                epoll.get(), tokens, events, max, timeoutMillis)),
                "epoll_wait");
    }

    // ---- inotify / eventfd
    public static Fd inotifyInit() throws OsException {
        return new Fd(Errors.check(call(() -> (int) INOTIFY_INIT.invokeExact()), "inotify_init"));
    }

    public static int inotifyAdd(Fd inotify, Path path, int mask) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            return Errors.check(
                    call(
                            () ->
                                    (int)
                                            INOTIFY_ADD.invokeExact(
                                                    inotify.get(),
                                                    arena.allocateFrom(path.toString()),
                                                    mask)),
                    "watch \"" + path + "\"");
        }
    }

    public static Fd eventfd() throws OsException {
        return new Fd(Errors.check(call(() -> (int) EVENTFD.invokeExact()), "eventfd"));
    }

    // ---- processes
    /** Start time of pid in clock ticks since boot; tells a live process from a reused pid. */
    public static long procStartTime(int pid) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            Errors.check(
                    call(() -> (int) PROC_STARTTIME.invokeExact(pid, out)),
                    "read start time of pid " + pid);
            return out.get(JAVA_LONG, 0);
        }
    }

    /** A pidfd; throws with ENOSYS on kernels without pidfd_open. */
    public static Fd pidfdOpen(int pid) throws OsException {
        return new Fd(
                Errors.check(call(() -> (int) PIDFD_OPEN.invokeExact(pid)), "pidfd_open " + pid));
    }

    public static void pidfdSendSignal(Fd pidfd, int signal) throws OsException {
        Errors.check(
                call(() -> (int) PIDFD_SEND_SIGNAL.invokeExact(pidfd.get(), signal)),
                "pidfd_send_signal " + signal);
    }

    // ---- unix sockets with descriptor passing
    /** A listening unix stream socket at path (a stale one replaced), 0600. */
    public static Fd unixListen(Path path, int backlog) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            return new Fd(
                    Errors.check(
                            call(
                                    () ->
                                            (int)
                                                    UNIX_LISTEN.invokeExact(
                                                            arena.allocateFrom(path.toString()),
                                                            backlog)),
                            "listen on \"" + path + "\""));
        }
    }

    public static Fd unixConnect(Path path) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            return new Fd(
                    Errors.check(
                            call(
                                    () ->
                                            (int)
                                                    UNIX_CONNECT.invokeExact(
                                                            arena.allocateFrom(path.toString()))),
                            "connect to \"" + path + "\""));
        }
    }

    public static Fd accept(Fd listener) throws OsException {
        return new Fd(Errors.check(call(() -> (int) ACCEPT.invokeExact(listener.get())), "accept"));
    }

    /** What one receive brought: bytes, and descriptors now owned by the caller. */
    public static final class Received {
        private final byte[] data;
        private final List<Fd> fds;

        Received(byte[] data, List<Fd> fds) {
            this.data = data;
            this.fds = fds;
        }

        /** The bytes, the caller's own (a fresh array each receive). */
        public byte[] data() {
            return data;
        }

        public List<Fd> fds() {
            return fds;
        }
    }

    /** Receives up to len bytes and up to maxFds passed descriptors; empty data at EOF. */
    public static Received recvFds(Fd socket, int len, int maxFds) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, len));
            MemorySegment fds = arena.allocate(JAVA_INT, Math.max(1, maxFds));
            MemorySegment nfds = arena.allocate(JAVA_INT);
            int n =
                    Errors.check(
                            call(
                                    () ->
                                            (int)
                                                    RECV_FDS.invokeExact(
                                                            socket.get(),
                                                            buf,
                                                            len,
                                                            fds,
                                                            maxFds,
                                                            nfds)),
                            "receive descriptors");
            List<Fd> got = new ArrayList<>();
            for (int i = 0; i < nfds.get(JAVA_INT, 0); i++)
                got.add(new Fd(fds.getAtIndex(JAVA_INT, i)));
            return new Received(buf.asSlice(0, n).toArray(JAVA_BYTE), got);
        }
    }

    /** The uid of the process at the other end of a unix socket. */
    public static int peerUid(Fd socket) throws OsException {
        return Errors.check(call(() -> (int) PEER_UID.invokeExact(socket.get())), "SO_PEERCRED");
    }

    public static boolean isatty(Fd fd) {
        return call(() -> (int) ISATTY.invokeExact(fd.get())) == 1;
    }

    /** The size of the terminal fd is: {rows, columns}. */
    public static int[] termSize(Fd fd) throws OsException {
        int packed =
                Errors.check(
                        call(() -> (int) TERM_SIZE.invokeExact(fd.get())),
                        "terminal size of fd " + fd.get());
        return new int[] {packed >>> 16, packed & 0xffff};
    }

    // ---- nana_strerror (raw: used by Errors itself)
    static int strerrorRaw(int errno, MemorySegment buf, int len) {
        return call(() -> (int) STRERROR.invokeExact(errno, buf, len));
    }
}
