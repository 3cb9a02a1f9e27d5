package dev.nana.supervisor;

import dev.nana.UnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One supervisor per state directory: an fcntl lock on {@code nana.lock}, holding the owner's pid.
 * The kernel drops the lock when its process dies, however it dies, so a SIGKILLed supervisor never
 * leaves a stale lock behind.
 */
final class StateLock implements AutoCloseable {
    /**
     * The state directories this process holds. An fcntl lock belongs to the process, and closing
     * any descriptor of the file drops it: so while this process holds a directory, nothing here
     * opens nana.lock again (a second supervisor asked for in this process, or a question about the
     * holder, is answered from this set).
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path root;
    private final FileChannel channel;
    private final FileLock lock;

    private StateLock(Path root, FileChannel channel, FileLock lock) {
        this.root = root;
        this.channel = channel;
        this.lock = lock;
    }

    private static Path key(Path root) {
        try {
            return root.toRealPath();
        } catch (IOException e) {
            return root.toAbsolutePath().normalize();
        }
    }

    /**
     * Takes the lock, waiting up to wait while another process holds it. A daemon marks the lock as
     * its own ("PID daemon"): a daemon never waits for another daemon (that is refused at once,
     * naming it), only for a CLI working in-process for a moment.
     */
    static StateLock acquire(Path root, Duration wait, boolean daemon) {
        Path file = root.resolve("nana.lock");
        Path key = key(root);
        if (!HELD.add(key)) {
            throw new UnavailableException(
                    "state directory \""
                            + root
                            + "\" is in use by another nana supervisor (pid "
                            + ProcessHandle.current().pid()
                            + ") in this same process: use that one, close it first, or give another"
                            + " state directory");
        }
        FileChannel ch = null;
        try {
            ch =
                    FileChannel.open(
                            file,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.READ,
                            StandardOpenOption.WRITE);
            long deadline = System.nanoTime() + wait.toNanos();
            FileLock lock;
            while (true) {
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // this very process holds it
                }
                if (lock != null || System.nanoTime() >= deadline) break;
                if (daemon && Files.readString(file).strip().endsWith(" daemon"))
                    break; // another daemon: no waiting
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (lock == null) {
                String owner = Files.readString(file).strip().split(" ", -1)[0];
                ch.close();
                HELD.remove(key);
                throw new UnavailableException(
                        "state directory \""
                                + root
                                + "\" is in use by another nana supervisor"
                                + (owner.isEmpty() ? "" : " (pid " + owner + ")")
                                + ": use that one, stop it, or give another state directory");
            }
            ch.truncate(0);
            String who = ProcessHandle.current().pid() + (daemon ? " daemon" : "");
            ch.write(ByteBuffer.wrap((who + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            return new StateLock(key, ch, lock);
        } catch (IOException e) {
            HELD.remove(key);
            try {
                if (ch != null) ch.close();
            } catch (IOException ignored) {
                // reporting the first failure
            }
            throw new UnavailableException(
                    "lock state directory \"" + root + "\": " + e.getMessage(), e);
        }
    }

    /** The pid in nana.lock when another process holds the lock now; empty when it is free. */
    static Optional<Long> holder(Path root) {
        Path file = root.resolve("nana.lock");
        if (!Files.exists(file)) return Optional.empty();
        if (HELD.contains(key(root)))
            return Optional.of(ProcessHandle.current().pid()); // never open it again
        try (FileChannel ch =
                FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock probe;
            try {
                probe = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                return Optional.of(ProcessHandle.current().pid());
            }
            if (probe != null) {
                probe.release();
                return Optional.empty();
            }
            String text = Files.readString(file).strip();
            return Optional.of(text.isEmpty() ? -1L : Long.parseLong(text.split(" ", -1)[0]));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        } finally {
            HELD.remove(root);
        }
    }
}
