package dev.nana.supervisor.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checked wrappers over the real libnana: errno to exceptions, fds, spawn, FIFOs. */
class LibNanaTest {
    @TempDir Path tmp;

    @Test
    void errnoBecomesTypedExceptionsNamingTheOperation() throws OsException {
        var e =
                assertThrows(
                        OsException.NoEntry.class,
                        () -> LibNana.fifoOpenRead(tmp.resolve("missing")));
        assertTrue(
                e.getMessage().contains("open fifo for reading \"" + tmp.resolve("missing") + "\""),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("No such file or directory"), e.getMessage());
        assertEquals(Errors.ENOENT, e.errno());
        assertInstanceOf(OsException.Exists.class, Errors.exception(Errors.EEXIST, "x"));
        assertInstanceOf(OsException.NoProcess.class, Errors.exception(Errors.ESRCH, "x"));
        assertInstanceOf(OsException.Denied.class, Errors.exception(Errors.EPERM, "x"));
        assertInstanceOf(OsException.WouldBlock.class, Errors.exception(Errors.EAGAIN, "x"));
        assertEquals(OsException.class, Errors.exception(Errors.EINVAL, "x").getClass());
        assertEquals(5, Errors.check(5, "never thrown"));
    }

    @Test
    void fdClosesExactlyOnce() throws Exception {
        Fd[] p = LibNana.pipe();
        p[0].close();
        p[0].close();
        assertTrue(p[0].isClosed());
        assertThrows(IllegalStateException.class, p[0]::get);
        p[1].close();
        assertThrows(IllegalArgumentException.class, () -> new Fd(-1));
    }

    @Test
    void spawnRunsAProgramWithItsExitCode() throws Exception {
        Command.Result r =
                Command.run(List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3"), tmp);
        assertEquals(new Command.Result(3, "out\n", "err\n", false), r);
        assertThrows(
                OsException.NoEntry.class, () -> Command.run(List.of("/nonexistent/prog"), null));
    }

    @Test
    void aProgramPastItsTimeIsKilledWithWhatItStarted() throws Exception {
        Path pidFile = tmp.resolve("grandchild");
        Command.Result r =
                Command.run(
                        List.of("/bin/sh", "-c", "sleep 100 & echo $! > " + pidFile + "; wait"),
                        tmp,
                        Duration.ofMillis(300));
        assertTrue(r.timedOut(), "timed out");
        assertTrue(!r.ok());
        long grandchild = Long.parseLong(Files.readString(pidFile).strip());
        for (int i = 0;
                i < 200 && ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false);
                i++) Thread.sleep(10);
        assertTrue(
                ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).isEmpty()
                        || !ProcessHandle.of(grandchild).get().isAlive(),
                "the grandchild was killed with its group");
    }

    @Test
    void exitFifoSeesHupWhenItsWriterCloses() throws Exception {
        Path fifo = tmp.resolve("exit");
        LibNana.mkfifo(fifo, 0600);
        assertThrows(OsException.Exists.class, () -> LibNana.mkfifo(fifo, 0600));
        try (Fd reader = LibNana.fifoOpenRead(fifo)) {
            assertEquals(0, LibNana.poll(reader, LibNana.POLLIN, 0), "no HUP before a writer");
            Fd writer = LibNana.fifoOpenWrite(fifo);
            assertEquals(0, LibNana.poll(reader, LibNana.POLLIN, 0));
            writer.close();
            assertNotEquals(0, LibNana.poll(reader, LibNana.POLLIN, 1000) & LibNana.POLLHUP);
        }
        Files.writeString(tmp.resolve("plain"), "x");
        assertThrows(OsException.class, () -> LibNana.fifoOpenRead(tmp.resolve("plain")));
    }

    @Test
    void startTimeTellsALiveProcessFromAGoneOne() throws Exception {
        long self = LibNana.procStartTime((int) ProcessHandle.current().pid());
        assertTrue(self > 0);
        assertThrows(OsException.NoProcess.class, () -> LibNana.procStartTime(0x3ffffff0));
    }

    @Test
    void epollDeliversTokens() throws Exception {
        try (Fd ep = LibNana.epollCreate();
                Fd ev = LibNana.eventfd();
                var arena = Arena.ofConfined()) {
            LibNana.epollAdd(ep, ev, 42L, LibNana.EV_IN);
            var tokens = arena.allocate(ValueLayout.JAVA_LONG, 4);
            var events = arena.allocate(ValueLayout.JAVA_INT, 4);
            assertEquals(0, LibNana.epollWait(ep, tokens, events, 4, 0));
            var one = arena.allocate(8);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            LibNana.write(ev, one, 8);
            assertEquals(1, LibNana.epollWait(ep, tokens, events, 4, 1000));
            assertEquals(42L, tokens.getAtIndex(ValueLayout.JAVA_LONG, 0));
        }
    }
}
