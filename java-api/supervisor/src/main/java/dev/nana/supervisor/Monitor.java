package dev.nana.supervisor;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nana.UnavailableException;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import dev.nana.supervisor.shim.ShimProtocol;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor thread: one epoll (through libnana) over every shim's exit FIFO, plus one inotify
 * instance over every process's {@code oom} file and folder. It only turns what the kernel says
 * into tasks for the event loop: HUP on an exit FIFO → {@link Task.ShimGone}; a change to an oom
 * file → {@link Task.OomNoticed}; "started" renamed into a process folder → {@link
 * Task.StartNoticed}. It never touches the container table.
 */
final class Monitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Monitor.class);
    private static final long WAKE = 0;
    private static final long INOTIFY = 1;
    private static final int IN_MODIFY = 0x2;
    private static final int IN_MOVED_TO = 0x80;
    private static final int IN_IGNORED = 0x8000;
    private static final int MAX_EVENTS = 64;

    private final Consumer<Task> post;
    private final Fd epoll;
    private final Fd inotify;
    private final Fd wake;
    private final AtomicLong tokens = new AtomicLong(INOTIFY + 1);
    private final Map<Long, Watch> exits = new ConcurrentHashMap<>();
    private final Map<Integer, Watch> ooms = new ConcurrentHashMap<>();
    private final Map<Integer, Watch> dirs = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    /** What a token or watch descriptor stands for. */
    record Watch(String id, String process, Fd fd) {}

    Monitor(Consumer<Task> post) {
        this.post = post;
        try {
            epoll = LibNana.epollCreate();
            inotify = LibNana.inotifyInit();
            wake = LibNana.eventfd();
            LibNana.epollAdd(epoll, wake, WAKE, LibNana.EV_IN);
            LibNana.epollAdd(epoll, inotify, INOTIFY, LibNana.EV_IN);
        } catch (OsException e) {
            throw new UnavailableException("start the monitor: " + e.getMessage(), e);
        }
        thread = Thread.ofPlatform().name("nana-monitor").daemon().start(this::run);
    }

    /** Watches an exit FIFO; returns the token its HUP will carry. */
    long watchExit(String id, String process, Fd exitFd) throws OsException {
        long token = tokens.getAndIncrement();
        exits.put(token, new Watch(id, process, exitFd));
        LibNana.epollAdd(epoll, exitFd, token, LibNana.EV_IN);
        return token;
    }

    /** Stops watching an exit FIFO (the fd stays open: its owner closes it). */
    void unwatchExit(long token) {
        Watch w = exits.remove(token);
        if (w != null && !w.fd().isClosed()) {
            try {
                LibNana.epollDel(epoll, w.fd());
            } catch (OsException e) {
                // already gone from the set
            }
        }
    }

    /** Watches a process's oom file for appended OOM kills; returns the watch descriptor. */
    int watchOom(String id, String process, Path oomFile) throws OsException {
        int wd = LibNana.inotifyAdd(inotify, oomFile, IN_MODIFY);
        ooms.put(wd, new Watch(id, process, null));
        return wd;
    }

    /**
     * Watches a process folder for files the shim renames into place; "started" becomes a {@link
     * Task.StartNoticed} (a start this supervisor did not ask for, or did not see end).
     */
    int watchFolder(String id, String process, Path dir) throws OsException {
        int wd = LibNana.inotifyAdd(inotify, dir, IN_MOVED_TO);
        dirs.put(wd, new Watch(id, process, null));
        return wd;
    }

    int watchedExits() {
        return exits.size();
    }

    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tokenBuf = arena.allocate(JAVA_LONG, MAX_EVENTS);
            MemorySegment eventBuf = arena.allocate(JAVA_INT, MAX_EVENTS);
            MemorySegment inotifyBuf = arena.allocate(16 * 1024);
            while (!closed) {
                int n = LibNana.epollWait(epoll, tokenBuf, eventBuf, MAX_EVENTS, -1);
                for (int i = 0; i < n; i++) {
                    long token = tokenBuf.getAtIndex(JAVA_LONG, i);
                    if (token == WAKE) continue;
                    if (token == INOTIFY) {
                        readInotify(inotifyBuf);
                        continue;
                    }
                    Watch w = exits.remove(token);
                    if (w == null) continue;
                    // level-triggered HUP would repeat: take it out of the set now
                    try {
                        LibNana.epollDel(epoll, w.fd());
                    } catch (OsException | IllegalStateException e) {
                        // closed meanwhile (its owner let it go): the watch is gone either way
                    }
                    post.accept(new Task.ShimGone(w.id(), w.process(), token));
                }
            }
        } catch (OsException | RuntimeException e) {
            if (!closed) log.error("the monitor stopped: {}", e.toString());
        }
    }

    private void readInotify(MemorySegment buf) throws OsException {
        while (true) {
            int n;
            try {
                n = LibNana.read(inotify, buf, (int) buf.byteSize());
            } catch (OsException.WouldBlock e) {
                return;
            }
            // struct inotify_event { int wd; uint32 mask, cookie, len; char name[len]; }
            for (int off = 0; off + 16 <= n; off += 16 + buf.get(JAVA_INT, off + 12)) {
                int wd = buf.get(JAVA_INT, off);
                int mask = buf.get(JAVA_INT, off + 4);
                if ((mask & IN_IGNORED)
                        != 0) { // the file or folder is gone (its container was deleted)
                    ooms.remove(wd);
                    dirs.remove(wd);
                    continue;
                }
                Watch oom = ooms.get(wd);
                if (oom != null) post.accept(new Task.OomNoticed(oom.id(), oom.process()));
                Watch dir = dirs.get(wd);
                int len = buf.get(JAVA_INT, off + 12);
                if (dir != null
                        && len > 0
                        && buf.asSlice(off + 16, len)
                                .getString(0)
                                .equals(ShimProtocol.STARTED_FILE)) {
                    post.accept(new Task.StartNoticed(dir.id(), dir.process()));
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment one = arena.allocate(JAVA_LONG);
                one.set(JAVA_LONG, 0, 1L);
                LibNana.write(wake, one, 8);
            }
            thread.join(2000);
        } catch (OsException | InterruptedException e) {
            // closing anyway
        }
        epoll.close();
        inotify.close();
        wake.close();
    }
}
