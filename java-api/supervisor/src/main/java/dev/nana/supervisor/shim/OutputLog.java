package dev.nana.supervisor.shim;

import dev.nana.OutputGapException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * A process's output log (stdout and stderr as its shim wrote them) as a stream: the rotated half
 * (log.1) first if there is one, then log; following, it waits for more until the process has
 * exited, and follows a rotation (the shim swaps log and log.1) by noticing that log is another
 * file than the one it has open.
 *
 * <p>The log keeps a bounded tail. Where the shim's rotation took bytes this reader had not read
 * yet (it fell behind by more than the cap), or, with {@code fromFirstByte}, where the oldest byte
 * kept is not the first the process wrote, a read throws {@link OutputGapException} once with the
 * exact count: the shim's {@code log.offsets} says where each file starts in the whole output.
 * Reading on continues after the gap.
 */
public final class OutputLog extends InputStream {
    /** How often a follower looks for more: output is for people and logs, not a data path. */
    private static final long POLL_MILLIS = 50;

    /** How often an open that raced a rotation is tried again before it gives up. */
    private static final int OPEN_TRIES = 100;

    private final ProcessDir dir;
    private final boolean follow;
    private final boolean fromFirstByte;
    private RandomAccessFile file;
    private long fileIno = -1; // the inode of what file has open
    private long next = -1; // where the next byte is in the whole output; -1 before the first
    private long gap; // bytes missed, told before the next byte
    private boolean ended;

    /**
     * @param follow wait for more until the process exits; without it the stream ends at what is
     *     there now
     * @param fromFirstByte tell, as a gap, the bytes rotated away before this reader began
     */
    public OutputLog(ProcessDir dir, boolean follow, boolean fromFirstByte) {
        this.dir = dir;
        this.follow = follow;
        this.fromFirstByte = fromFirstByte;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (!ended) {
            if (gap > 0) {
                long missed = gap;
                gap = 0;
                throw new OutputGapException(missed);
            }
            if (file == null) {
                if (!openNext() && !waitForMore()) break;
                continue;
            }
            int n = file.read(b, off, len);
            if (n > 0) return took(n);
            if (!isCurrent()) { // rotated away: it is whole; what came after is in the next
                n = file.read(b, off, len);
                if (n > 0) return took(n);
                closeFile();
                continue;
            }
            if (!waitForMore()) {
                // exited: what it wrote before is in the file now, so read once more
                n = file.read(b, off, len);
                if (n > 0) return took(n);
                if (!isCurrent()) {
                    closeFile();
                    continue;
                }
                break;
            }
        }
        ended = true;
        return -1;
    }

    private int took(int n) {
        next += n;
        return n;
    }

    /** A file of the log and where it starts in the whole output. */
    private record Part(Path path, long ino, long start) {}

    /**
     * log.1 (when there is one) and log, oldest first, as log.offsets places them; null
     * mid-rotation.
     */
    private List<Part> parts() throws IOException {
        Path log = dir.outputLog();
        Path old = log.resolveSibling(ShimProtocol.OUTPUT_LOG + ".1");
        long logIno = ino(log);
        if (logIno < 0) return List.of();
        long[] o = offsets();
        long oldIno = ino(old);
        if (o == null) { // never rotated (or by a shim that kept no offsets: log.1 is placed first)
            if (oldIno < 0) return List.of(new Part(log, logIno, 0));
            return List.of(new Part(old, oldIno, 0), new Part(log, logIno, Files.size(old)));
        }
        if (o[0] != logIno) return null; // log was swapped, its offsets not yet written
        Part current = new Part(log, logIno, o[1]);
        return oldIno == o[2] ? List.of(new Part(old, oldIno, o[3]), current) : List.of(current);
    }

    private long[] offsets() throws IOException {
        String text;
        try {
            text = Files.readString(dir.dir().resolve(ShimProtocol.OUTPUT_LOG_OFFSETS)).strip();
        } catch (NoSuchFileException e) {
            return null;
        }
        String[] f = text.split(" ", -1);
        if (f.length != 4)
            throw new IOException("unreadable " + ShimProtocol.OUTPUT_LOG_OFFSETS + ": " + text);
        long[] v = new long[4];
        for (int i = 0; i < 4; i++) v[i] = Long.parseLong(f[i]);
        return v;
    }

    /**
     * Opens the file that holds the next byte (or the first kept after it); false when none yet.
     */
    private boolean openNext() throws IOException {
        for (int tries = 0; tries < OPEN_TRIES; tries++) {
            List<Part> parts = parts();
            if (parts == null) {
                pause(2);
                continue;
            }
            if (parts.isEmpty()) return false;
            Part target = null;
            for (Part p : parts) if (p.start() <= Math.max(next, 0)) target = p;
            if (next < 0) { // the first open: the oldest byte kept
                target = parts.getFirst();
                if (fromFirstByte) gap = target.start();
                next = target.start();
            } else if (target == null) { // rotation took what this reader had not read
                target = parts.getFirst();
                gap += target.start() - next;
                next = target.start();
            }
            try {
                file = new RandomAccessFile(target.path().toFile(), "r");
            } catch (FileNotFoundException e) {
                continue; // rotated meanwhile
            }
            if (ino(target.path()) != target.ino()) { // rotated between the look and the open
                closeFile();
                continue;
            }
            file.seek(next - target.start());
            fileIno = target.ino();
            return true;
        }
        throw new IOException(
                "the output log " + dir.outputLog() + " keeps rotating under its reader");
    }

    /** Whether log is still the file open (the shim has not rotated it away). */
    private boolean isCurrent() throws IOException {
        return ino(dir.outputLog()) == fileIno;
    }

    private static long ino(Path p) throws IOException {
        try {
            return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    /** Waits a little if more may come: false when the process has exited (or not following). */
    private boolean waitForMore() throws IOException {
        if (!follow) return false;
        if (Files.exists(dir.exitStatusFile()) || !dir.shimAlive()) return false;
        pause(POLL_MILLIS);
        return true;
    }

    private void pause(long millis) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading " + dir.outputLog());
        }
    }

    private void closeFile() throws IOException {
        if (file != null) file.close();
        file = null;
    }

    @Override
    public void close() throws IOException {
        ended = true;
        closeFile();
    }
}
