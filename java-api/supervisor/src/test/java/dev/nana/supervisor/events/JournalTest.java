package dev.nana.supervisor.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.EventType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir Path dir;

    @Test
    void sequenceAndTimeIncreaseAcrossReopening() throws Exception {
        Path f = dir.resolve("events.log");
        try (Journal j = new Journal(f, 1 << 20)) {
            j.append(EventType.CREATE, "a", "init", null, "u1", null);
            j.append(EventType.EXIT, "a", "init", 3, "u1", null);
        }
        try (Journal j = new Journal(f, 1 << 20)) {
            assertEquals(2, j.lastSeq());
            JournalEntry e = j.append(EventType.DELETE, "a", "init", null, "u1", null);
            assertEquals(3, e.seq());
            List<JournalEntry> all = j.readAll();
            assertEquals(List.of(1L, 2L, 3L), all.stream().map(JournalEntry::seq).toList());
            for (int i = 1; i < all.size(); i++)
                assertTrue(all.get(i).time().isAfter(all.get(i - 1).time()));
            assertEquals(3, all.get(1).exitCode());
        }
    }

    @Test
    void aTornLastLineIsSkippedAndNeverTruncated() throws Exception {
        Path f = dir.resolve("events.log");
        try (Journal j = new Journal(f, 1 << 20)) {
            j.append(EventType.START, "a", "init", null, "u1", null);
        }
        Files.writeString(
                f,
                "{\"seq\":2,\"time\":\"2026-",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        long before = Files.size(f);
        try (Journal j = new Journal(f, 1 << 20)) {
            assertTrue(Files.size(f) >= before, "never truncated");
            assertEquals(1, j.lastSeq());
            j.append(EventType.EXIT, "a", "init", 0, "u1", null);
            assertEquals(
                    List.of(EventType.START, EventType.EXIT),
                    j.readAll().stream().map(JournalEntry::type).toList());
        }
        assertTrue(
                Files.readString(f).contains("{\"seq\":2,\"time\":\"2026-\n"),
                "the torn bytes are still there");
    }

    @Test
    void rotatesBySizeAndReadsBothGenerations() throws Exception {
        Path f = dir.resolve("events.log");
        try (Journal j = new Journal(f, 600)) {
            for (int i = 0; i < 8; i++) j.append(EventType.OOM, "a", "init", null, "u1", i + 1);
            assertTrue(Files.exists(dir.resolve("events.log.1")));
            assertTrue(Files.size(f) <= 600);
            List<JournalEntry> kept = j.readAll();
            assertEquals(8, kept.getLast().seq());
            for (int i = 1; i < kept.size(); i++)
                assertEquals(kept.get(i - 1).seq() + 1, kept.get(i).seq());
            assertTrue(j.contains("u1", "init", EventType.OOM, 8));
            assertTrue(!j.contains("u2", "init", EventType.OOM, 8));
        }
    }

    @Test
    void aScanGoesOldestFirstAcrossGenerationsAndStopsWhenTold() throws Exception {
        Path f = dir.resolve("events.log");
        try (Journal j = new Journal(f, 600)) {
            for (int i = 0; i < 8; i++) j.append(EventType.OOM, "a", "init", null, "u1", i + 1);
            List<Long> seen = new java.util.ArrayList<>();
            j.scan(
                    e -> {
                        seen.add(e.seq());
                        return e.seq() < 7;
                    });
            assertEquals(7L, seen.getLast(), "nothing after the entry that said stop");
            for (int i = 1; i < seen.size(); i++) assertEquals(seen.get(i - 1) + 1, seen.get(i));
        }
    }

    @Test
    void theNewestEntryIsFoundFromTheEndAcrossBlocksAndGenerations() throws Exception {
        Path f = dir.resolve("events.log");
        try (Journal j = new Journal(f, 1 << 20)) {
            for (int i = 0; i < 500; i++) j.append(EventType.OOM, "a", "init", null, "u1", i);
        }
        assertTrue(Files.size(f) > 3 * 8192, "spans several blocks");
        // a long torn tail (bigger than one block) before a newline
        Files.writeString(f, "x".repeat(10_000) + "\n", StandardOpenOption.APPEND);
        try (Journal j = new Journal(f, 1 << 20)) {
            assertEquals(500, j.lastSeq());
        }
        // rotated, and the new generation still empty: the newest is in events.log.1
        Files.move(f, dir.resolve("events.log.1"));
        try (Journal j = new Journal(f, 1 << 20)) {
            assertEquals(500, j.lastSeq());
            assertEquals(501, j.append(EventType.EXIT, "a", "init", 0, "u1", null).seq());
        }
    }
}
