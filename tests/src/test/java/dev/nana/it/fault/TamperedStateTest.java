package dev.nana.it.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.it.Leaks;
import dev.nana.it.NanaCli;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A state.json that cannot be trusted, of a container that still runs: torn, or swollen by a 20 MB
 * label. Restore must not leak the container (running on unseen, its id taken in the runtime) nor
 * die reading it: it kills and deletes it through the runtime, journals its DELETE, and sets the
 * folder aside in a root-only .trash.
 */
@Tag("fault")
class TamperedStateTest {
    private static void tamperedWhileDown(String runtime, String how, Consumer<Path> tamper)
            throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            String id = "tampered-" + runtime;
            NanaCli.Run run =
                    nana.run("run", "-d", "--runtime", runtime, id, "--", "sleep", "1000");
            assertEquals(0, run.exit(), run.err());
            int pid =
                    Integer.parseInt(
                            Files.readString(
                                            nana.stateDir
                                                    .resolve(id)
                                                    .resolve("init")
                                                    .resolve("pid"))
                                    .strip());
            nana.killDaemon();
            tamper.accept(nana.stateDir.resolve(id).resolve("state.json"));
            nana.startDaemon();

            assertEquals("", nana.run("ps", "-q").out().strip(), how + ": not listed");
            assertEquals(
                    List.of(),
                    Leaks.settled(() -> Leaks.runtimeState(Set.of(id))),
                    how + ": the runtime forgot it");
            assertFalse(
                    ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                    how + ": its process was killed");
            Path trash = nana.stateDir.resolve(".trash");
            try (Stream<Path> set = Files.list(trash)) {
                assertEquals(
                        1,
                        set.filter(p -> p.getFileName().toString().startsWith(id + ".")).count(),
                        how + ": set aside");
            }
            assertEquals(
                    "rwx------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(trash)));
            NanaCli.Run events =
                    nana.run("events", "--no-follow", "--since", "10m", "--filter", "type=delete");
            assertTrue(
                    events.out().contains(id), how + ": its DELETE is journaled: " + events.out());
            NanaCli.Run again =
                    nana.run("run", "-d", "--runtime", runtime, id, "--", "sleep", "1000");
            assertEquals(0, again.exit(), how + ": the id is free again: " + again.err());
            assertEquals(0, nana.run("rm", "-f", id).exit());
        }
    }

    @Test
    void aTornStateJsonOfARunningContainerIsKilledAndDeletedNotLeaked() throws Exception {
        for (String runtime : List.of("runc", "crun")) {
            tamperedWhileDown(runtime, "torn state.json", file -> write(file, "{\"id\": \"tam"));
        }
    }

    @Test
    void aStateJsonSwollenPastItsLimitIsNeverRead() throws Exception {
        tamperedWhileDown(
                "runc",
                "a 20 MB label",
                file -> {
                    try {
                        String json = Files.readString(file);
                        write(
                                file,
                                json.replaceFirst(
                                        "\\{",
                                        "{\"labels\": {\"big\": \""
                                                + "x".repeat(20 << 20)
                                                + "\"},"));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    @Test
    void aJournalWhoseTailIsMegabytesOfGarbageIsScannedOnceAndReplayedAround() throws Exception {
        // 12 MB of NULs at the journal's end (a crash mid-write on some file systems): the
        // newest entry is found behind them in one bounded pass, and replay passes over them
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            assertEquals(0, nana.run("run", "--rm", "before", "--", "true").exit());
            nana.killDaemon();
            try (var out =
                    Files.newOutputStream(
                            nana.stateDir.resolve("events.log"),
                            java.nio.file.StandardOpenOption.APPEND)) {
                byte[] zeros = new byte[1 << 20];
                for (int i = 0; i < 12; i++) out.write(zeros);
            }
            nana.startDaemon();
            assertEquals(0, nana.run("ps").exit(), "the daemon serves");
            assertEquals(0, nana.run("run", "--rm", "after", "--", "true").exit());
            NanaCli.Run events = nana.run("events", "--no-follow", "--since", "10m");
            assertTrue(events.out().contains("before"), events.out());
            assertTrue(events.out().contains("after"), events.out());
            // the sequence goes on from the entry found behind the garbage: it does not restart
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            List<Long> seqs = new java.util.ArrayList<>();
            for (String line :
                    nana.run("events", "--no-follow", "--since", "10m", "--format", "json")
                            .out()
                            .lines()
                            .toList()) seqs.add(json.readTree(line).path("seq").asLong());
            for (int i = 1; i < seqs.size(); i++)
                assertTrue(seqs.get(i) > seqs.get(i - 1), "seq goes on: " + seqs);
        }
    }

    @Test
    void aFullJournalIsRestoredFromAndReplayedWithinTheHeap() throws Exception {
        // two full generations of 16 MiB, ~240,000 events of containers long gone (a busy node
        // reaches this by itself): the daemon once died at start reading them all as objects
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            assertEquals(0, nana.run("run", "-d", "kept", "--", "sleep", "1000").exit());
            nana.killDaemon();
            Path log = nana.stateDir.resolve("events.log");
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            List<String> real = Files.readAllLines(log);
            long seq = 0;
            java.time.Instant t = java.time.Instant.now().minus(java.time.Duration.ofDays(30));
            for (Path generation : List.of(nana.stateDir.resolve("events.log.1"), log)) {
                StringBuilder text = new StringBuilder();
                while (text.length() < (16 << 20) - 4096) {
                    seq++;
                    t = t.plusMillis(1);
                    text.append(
                            String.format(
                                    "{\"seq\":%d,\"time\":\"%s\",\"type\":\"EXIT\",\"id\":\"gone%d\","
                                            + "\"process\":\"init\",\"uid\":\"%016x\",\"exitStatus\":0}%n",
                                    seq, t, seq, seq));
                }
                if (generation.equals(log)) {
                    for (String line : real) {
                        var entry =
                                (com.fasterxml.jackson.databind.node.ObjectNode)
                                        json.readTree(line);
                        entry.put("seq", ++seq);
                        text.append(json.writeValueAsString(entry)).append('\n');
                    }
                }
                Files.writeString(generation, text);
            }
            long events = seq;
            nana.startDaemon();
            long t0 = System.nanoTime();
            assertEquals(0, nana.run("ps").exit(), "the daemon serves");
            assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "nana ps within a second");
            assertEquals("running", nana.status("kept"), "restored");
            NanaCli.Run recent = nana.run("events", "--no-follow", "--since", "10m");
            assertEquals(
                    2,
                    recent.out().lines().filter(l -> l.contains("kept")).count(),
                    "kept's create and start, told once: " + recent.out());
            NanaCli.Run all = nana.run("events", "--no-follow", "--since", "1970-01-01T00:00:00Z");
            assertEquals(0, all.exit(), all.err());
            assertEquals(events, all.out().lines().count(), "every journaled event replayed");
            assertEquals(0, nana.run("rm", "-f", "kept").exit());
            assertFalse(nana.daemonLog().contains("OutOfMemoryError"), nana.daemonLog());
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
