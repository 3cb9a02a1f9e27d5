package dev.nana.supervisor.os;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs a short-lived program through libnana's spawn (never a JVM fork) and waits for it, at most a
 * given time: for runtime calls such as {@code runc delete}. Its stdout and stderr are captured. A
 * program past its time is killed with its whole process group (it runs in a session of its own),
 * so nothing it started hangs on.
 */
public final class Command {
    /**
     * What the program did: its exit code (or 128 + signal) and its output; timedOut when it was
     * killed for its time.
     */
    public record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
        public boolean ok() {
            return exitCode == 0 && !timedOut;
        }
    }

    private Command() {}

    /** Runs it with a minute to finish. */
    public static Result run(List<String> argv, Path cwd) throws OsException {
        return run(argv, cwd, Duration.ofMinutes(1));
    }

    public static Result run(List<String> argv, Path cwd, Duration timeout) throws OsException {
        Fd[] out = LibNana.pipe();
        Fd[] err = LibNana.pipe();
        int pid;
        try (Fd outW = out[1];
                Fd errW = err[1]) {
            pid =
                    LibNana.spawn(
                            argv.getFirst(),
                            argv,
                            null,
                            cwd,
                            new int[] {-1, outW.get(), errW.get()},
                            LibNana.SPAWN_SETSID);
        } catch (OsException e) {
            out[0].close();
            err[0].close();
            throw e;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Fd outR = out[0];
                Fd errR = err[0]) {
            String[] texts = drain(outR, errR, deadline);
            boolean late = texts == null;
            if (late) {
                try {
                    LibNana.killGroup(pid, 9);
                } catch (OsException e) {
                    // the group is gone already
                }
                texts = new String[] {"", ""};
            }
            return new Result(LibNana.waitExitCode(pid, false), texts[0], texts[1], late);
        }
    }

    /**
     * Reads both pipes to EOF without letting either fill up and stall the program; null when the
     * deadline comes first.
     */
    private static String[] drain(Fd a, Fd b, long deadline) throws OsException {
        ByteArrayOutputStream[] bufs = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};
        Fd[] fds = {a, b};
        boolean[] open = {true, true};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16384);
            LibNana.setNonblock(a, true);
            LibNana.setNonblock(b, true);
            while (open[0] || open[1]) {
                boolean progressed = false;
                for (int i = 0; i < 2; i++) {
                    if (!open[i]) continue;
                    try {
                        int n = LibNana.read(fds[i], buf, (int) buf.byteSize());
                        if (n == 0) open[i] = false;
                        else bufs[i].write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, n);
                        progressed = true;
                    } catch (OsException.WouldBlock e) {
                        // nothing now
                    }
                }
                if (!progressed) {
                    if (System.nanoTime() > deadline) return null;
                    LibNana.poll(open[0] ? a : b, LibNana.POLLIN, 50);
                }
            }
        }
        return new String[] {
            bufs[0].toString(StandardCharsets.UTF_8), bufs[1].toString(StandardCharsets.UTF_8)
        };
    }
}
