package dev.nana.shim;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A process's output log (stdout and stderr as its shim wrote them) as a stream: the rotated half
 * (log.1) first if there is one, then log; following, it waits for more until the process has
 * exited, and follows a rotation (the shim swaps log and log.1) by noticing that log is another
 * file than the one it has open.
 */
public final class OutputLog extends InputStream {
    /** How often a follower looks for more: output is for people and logs, not a data path. */
    private static final long POLL_MILLIS = 50;

    private final ProcessDir dir;
    private final boolean follow;
    private RandomAccessFile file;
    private Object fileKey; // the inode of what file has open
    private boolean onRotated;
    private boolean ended;

    /**
     * @param follow wait for more until the process exits; without it the stream ends at what is
     *     there now
     */
    public OutputLog(ProcessDir dir, boolean follow) {
        this.dir = dir;
        this.follow = follow;
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
            if (file == null && !open()) {
                if (!waitForMore()) break;
                continue;
            }
            int n = file.read(b, off, len);
            if (n > 0) return n;
            if (onRotated || rotated()) { // the rest is in log, from its start
                closeFile();
                onRotated = false;
                continue;
            }
            if (!waitForMore()) {
                // exited: what it wrote before is in the file now, so read once more
                n = file.read(b, off, len);
                if (n > 0) return n;
                if (rotated()) {
                    closeFile();
                    continue;
                }
                break;
            }
        }
        ended = true;
        return -1;
    }

    /** Opens log.1 first (once), then log; false when there is no log yet. */
    private boolean open() throws IOException {
        Path rotated = dir.outputLog().resolveSibling("log.1");
        Path path = fileKey == null && Files.exists(rotated) ? rotated : dir.outputLog();
        try {
            file = new RandomAccessFile(path.toFile(), "r");
            fileKey = Files.readAttributes(path, "unix:ino").get("ino");
            onRotated = path.equals(rotated);
            return true;
        } catch (NoSuchFileException | FileNotFoundException e) {
            return false;
        }
    }

    /** Whether log is now another file than the one open (the shim rotated it). */
    private boolean rotated() throws IOException {
        try {
            return !Files.readAttributes(dir.outputLog(), "unix:ino").get("ino").equals(fileKey);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Waits a little if more may come: false when the process has exited (or not following). */
    private boolean waitForMore() throws IOException {
        if (!follow) return false;
        if (Files.exists(dir.exitStatusFile()) || !dir.shimAlive()) return false;
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while following " + dir.outputLog());
        }
        return true;
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
