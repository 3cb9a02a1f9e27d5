package dev.nana.supervisor.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nana.EventType;
import dev.nana.UnavailableException;
import dev.nana.supervisor.state.StateFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * events.log: the append-only journal of events, one JSON line each, for replay since a time or a
 * sequence number. Rotated by size into events.log.1 (one older generation is kept); never
 * truncated at startup; a torn last line (a crash mid-write) is skipped and the next line starts
 * clean.
 *
 * <p>Sequence numbers continue across restarts, and times strictly increase, so "events after T"
 * and "events after N" are both exact.
 */
public final class Journal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    public static final long DEFAULT_MAX_BYTES = 16L << 20;

    /** Its name in the state directory. */
    public static final String FILE = "events.log";

    /** How much of the journal is read at a time. */
    private static final int TAIL_BLOCK = 65536;

    /**
     * The longest line that can be an entry (an event is well under 1 KiB; labels are not in it).
     */
    private static final int MAX_LINE = 64 * 1024;

    /** nana's one mapper: each more costs the daemon's start its own setup. */
    private static final ObjectMapper JSON = StateFiles.JSON;

    private final Path file;
    private final Path previous;
    private final long maxBytes;
    private FileChannel channel;
    private long size;
    private long lastSeq;
    private Instant lastTime = Instant.EPOCH;

    public Journal(Path file, long maxBytes) {
        this.file = file;
        this.previous = file.resolveSibling(file.getFileName() + ".1");
        this.maxBytes = maxBytes;
        try {
            open();
            // the newest entry is the last readable line: read from the end, not the whole file
            // (a 16 MiB journal would cost a restart seconds)
            JournalEntry newest = newest(file);
            if (newest == null) newest = newest(previous);
            if (newest != null) {
                lastSeq = newest.seq();
                lastTime = newest.time();
            }
        } catch (IOException e) {
            throw new UnavailableException(
                    "open the event journal \"" + file + "\": " + e.getMessage(), e);
        }
    }

    /**
     * The last readable entry of one generation, or null: one pass backwards, a block at a time,
     * holding at most a block and one line whatever the file holds (a tail of garbage costs a scan,
     * never memory); a line longer than any entry is passed over unread.
     */
    private static JournalEntry newest(Path p) throws IOException {
        try (FileChannel r = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer block = ByteBuffer.allocate(TAIL_BLOCK);
            long end = r.size(); // the end of the line being looked at (its newline, or EOF)
            long pos = end;
            while (pos > 0) {
                int n = (int) Math.min(TAIL_BLOCK, pos);
                pos -= n;
                block.clear().limit(n);
                while (block.hasRemaining() && r.read(block, pos + block.position()) > 0) {}
                for (int i = n - 1; i >= 0; i--) {
                    if (block.get(i) != '\n') continue;
                    JournalEntry e = entryAt(r, pos + i + 1, end);
                    if (e != null) return e;
                    end = pos + i;
                }
            }
            return entryAt(r, 0, end);
        } catch (NoSuchFileException missing) {
            return null;
        }
    }

    /** The entry in bytes [from, to) of the file, or null (blank, torn, or too long to be one). */
    private static JournalEntry entryAt(FileChannel r, long from, long to) throws IOException {
        long len = to - from;
        if (len <= 0 || len > MAX_LINE) return null;
        ByteBuffer line = ByteBuffer.allocate((int) len);
        while (line.hasRemaining() && r.read(line, from + line.position()) > 0) {}
        return parse(new String(line.array(), 0, line.position(), StandardCharsets.UTF_8));
    }

    /** One line's entry, or null for a blank, torn or foreign line. */
    private static JournalEntry parse(String line) {
        if (line.isBlank()) return null;
        try {
            JournalEntry e = JSON.readValue(line, JournalEntry.class);
            return e.type() != null ? e : null;
        } catch (IOException torn) {
            return null; // a torn line from a crash, or one written by someone else
        }
    }

    private void open() throws IOException {
        channel =
                FileChannel.open(
                        file,
                        Set.of(
                                StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE,
                                StandardOpenOption.APPEND),
                        StateFiles.OWNER_ONLY);
        size = channel.size();
        if (size > 0 && !endsWithNewline()) {
            log.warn(
                    "event journal {} ends in a torn line (a crash mid-write): it is skipped",
                    file);
            write("\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private boolean endsWithNewline() throws IOException {
        try (FileChannel r = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            r.read(last, r.size() - 1);
            return last.get(0) == '\n';
        }
    }

    private void write(byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) size += channel.write(buf);
    }

    /** The sequence number of the newest entry (0 when none). */
    public synchronized long lastSeq() {
        return lastSeq;
    }

    /** Appends one event; assigns its sequence number and a time later than every earlier one. */
    public synchronized JournalEntry append(
            EventType type, String id, String process, Integer exitCode, String uid, Integer n) {
        Instant now = Instant.now();
        if (!now.isAfter(lastTime)) now = lastTime.plusNanos(1);
        JournalEntry e = new JournalEntry(lastSeq + 1, now, type, id, process, exitCode, uid, n);
        try {
            byte[] line = (JSON.writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
            if (size > 0 && size + line.length > maxBytes) rotate();
            write(line);
        } catch (IOException ex) {
            throw new UnavailableException(
                    "append to the event journal \""
                            + file
                            + "\": "
                            + ex.getMessage()
                            + " (is the state directory's file system full?)",
                    ex);
        }
        lastSeq = e.seq();
        lastTime = now;
        return e;
    }

    private void rotate() throws IOException {
        channel.close();
        Files.move(
                file,
                previous,
                StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        channel =
                FileChannel.open(
                        file,
                        Set.of(
                                StandardOpenOption.CREATE_NEW,
                                StandardOpenOption.WRITE,
                                StandardOpenOption.APPEND),
                        StateFiles.OWNER_ONLY);
        size = 0;
    }

    /**
     * Every readable entry, oldest first (events.log.1, then events.log), all in memory: for tests
     * and tools; the daemon {@link #scan}s.
     */
    public List<JournalEntry> readAll() throws IOException {
        return read(e -> true);
    }

    /** The readable entries that match, oldest first, all in memory (see {@link #readAll}). */
    public List<JournalEntry> read(Predicate<JournalEntry> keep) throws IOException {
        List<JournalEntry> out = new ArrayList<>();
        scan(
                e -> {
                    if (keep.test(e)) out.add(e);
                    return true;
                });
        return out;
    }

    /**
     * Hands each readable entry, oldest first (events.log.1, then events.log), to each until it
     * answers false; torn or foreign lines are skipped. It holds one block and one line, whatever
     * the journal holds: a full journal is two generations of 16 MiB, ~240,000 events, more than a
     * daemon's heap would hold as objects.
     */
    public void scan(Predicate<JournalEntry> each) throws IOException {
        for (Path p : List.of(previous, file)) {
            try (InputStream in = Files.newInputStream(p)) {
                byte[] buf = new byte[TAIL_BLOCK];
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                boolean overlong = false; // a line past MAX_LINE is skipped, not held
                for (int n; (n = in.read(buf)) > 0; ) {
                    int start = 0;
                    for (int i = 0; i < n; i++) {
                        if (buf[i] != '\n') continue;
                        overlong = append(line, buf, start, i, overlong);
                        if (!overlong && !take(line, each)) return;
                        line.reset();
                        overlong = false;
                        start = i + 1;
                    }
                    overlong = append(line, buf, start, n, overlong);
                }
                if (!overlong && !take(line, each)) return;
            } catch (NoSuchFileException missing) {
                // no such generation yet
            }
        }
    }

    /** Appends buf[from, to) to line unless that makes it longer than any entry; overlong then. */
    private static boolean append(
            ByteArrayOutputStream line, byte[] buf, int from, int to, boolean overlong) {
        if (overlong || line.size() + (to - from) > MAX_LINE) return true;
        line.write(buf, from, to - from);
        return false;
    }

    /** Hands the line's entry, if it is one, to each; whether to go on. */
    private static boolean take(ByteArrayOutputStream line, Predicate<JournalEntry> each) {
        JournalEntry e = parse(line.toString(StandardCharsets.UTF_8));
        return e == null || each.test(e);
    }

    /** Whether the journal already records this fact (restore's guard against duplicates). */
    public boolean contains(String uid, String process, EventType type, Integer n) {
        try {
            boolean[] found = {false};
            scan(
                    e -> {
                        found[0] = e.sameFact(uid, process, type, n);
                        return !found[0];
                    });
            return found[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("close the event journal {}: {}", file, e.getMessage());
        }
    }
}
