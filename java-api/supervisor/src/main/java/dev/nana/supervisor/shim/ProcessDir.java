package dev.nana.supervisor.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import dev.nana.supervisor.state.Reported;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One process's folder in the state directory ({@code /run/nana/<id>/init/} or {@code
 * /run/nana/<id>/<exec-id>/}): the shim's cwd and everything it leaves behind. The names the shim
 * writes too are {@link ShimProtocol}'s; see docs/ARCHITECTURE.md.
 */
public record ProcessDir(Path dir) {
    private static final ObjectMapper JSON = StateFiles.JSON; // nana's one mapper

    public Path exitFifo() {
        return dir.resolve(ShimProtocol.EXIT_FIFO);
    }

    public Path controlFifo() {
        return dir.resolve(ShimProtocol.CONTROL_FIFO);
    }

    public Path stdinFifo() {
        return dir.resolve("stdin");
    }

    public Path stdoutFifo() {
        return dir.resolve("stdout");
    }

    public Path stderrFifo() {
        return dir.resolve("stderr");
    }

    public Path pidFile() {
        return dir.resolve(ShimProtocol.PID_FILE);
    }

    public Path startTimeFile() {
        return dir.resolve(ShimProtocol.STARTTIME_FILE);
    }

    public Path shimFile() {
        return dir.resolve(ShimProtocol.SHIM_FILE);
    }

    public Path startedFile() {
        return dir.resolve(ShimProtocol.STARTED_FILE);
    }

    public Path exitStatusFile() {
        return dir.resolve(ShimProtocol.EXIT_STATUS_FILE);
    }

    public Path oomFile() {
        return dir.resolve(ShimProtocol.OOM_FILE);
    }

    public Path outputLog() {
        return dir.resolve(ShimProtocol.OUTPUT_LOG);
    }

    public Path runtimeLog() {
        return dir.resolve(ShimProtocol.RUNTIME_LOG);
    }

    public Path processJson() {
        return dir.resolve("process.json");
    }

    public Path reportedFile() {
        return dir.resolve("reported");
    }

    /**
     * Present while the container is paused (written by the supervisor after the runtime's pause).
     */
    public Path pausedFile() {
        return dir.resolve("paused");
    }

    /** Makes the folder (0700) and the FIFOs every shim needs: exit and control. */
    public void create() throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        mkfifo(exitFifo());
        mkfifo(controlFifo());
        Files.write(oomFile(), new byte[0]); // exists from the start, so it can be watched
    }

    /** Makes the stdin FIFO of a process created with openStdin (Supervisor.input). */
    public void createStdinFifo() throws OsException {
        mkfifo(stdinFifo());
    }

    private static void mkfifo(Path p) throws OsException {
        LibNana.mkfifo(p, 0600);
    }

    /** The exit status the shim recorded, if it did. */
    public OptionalInt exitStatus() {
        return readInt(exitStatusFile());
    }

    /** The container process's pid as the runtime wrote it. */
    public OptionalInt pid() {
        return readInt(pidFile());
    }

    /** The container process's start time (clock ticks since boot), as the shim recorded it. */
    public OptionalLong startTime() {
        try {
            return OptionalLong.of(Long.parseLong(read(startTimeFile()).strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The shim's pid and start time, as it recorded them; empty when it never got that far. */
    public Optional<long[]> shim() {
        try {
            String[] f = read(shimFile()).strip().split(" ", -1);
            return Optional.of(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether the shim that recorded itself here still runs (same pid and start time). */
    public boolean shimAlive() {
        return shim().map(
                        s -> {
                            try {
                                return LibNana.procStartTime((int) s[0]) == s[1];
                            } catch (OsException e) {
                                return false;
                            }
                        })
                .orElse(false);
    }

    /** The command line of the shim recorded here, while it lives. */
    public Optional<List<String>> shimCommandLine() {
        Optional<long[]> s = shim();
        if (s.isEmpty() || !shimAlive()) return Optional.empty();
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(s.get()[0]), "cmdline"));
            List<String> argv = new ArrayList<>();
            int from = 0;
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == 0) {
                    argv.add(new String(raw, from, i - from, StandardCharsets.UTF_8));
                    from = i + 1;
                }
            }
            return Optional.of(argv);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * A live process working in this folder, found by its cwd: a shim so young that it has not yet
     * written its "shim" file, the runtime call it runs, or the shim's process between the
     * supervisor's spawn and its exec (still a copy of the JVM then: matching on the command alone
     * missed it, and restore took a create under way for one cut short).
     */
    public Optional<ProcessHandle> liveShimByCwd() {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            return Optional.empty();
        }
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self)
                .filter(
                        p -> {
                            try {
                                return Files.readSymbolicLink(
                                                Path.of("/proc", Long.toString(p.pid()), "cwd"))
                                        .equals(real);
                            } catch (IOException | UnsupportedOperationException e) {
                                return false;
                            }
                        })
                .findFirst();
    }

    /** Which events of this process were published. */
    public Reported reported() {
        try {
            return StateFiles.read(reportedFile(), Reported.class);
        } catch (IOException e) {
            return Reported.NOTHING;
        }
    }

    public void writeReported(Reported r) throws IOException {
        StateFiles.write(reportedFile(), r);
    }

    /** How many OOM kills the shim recorded. */
    public int oomKills() {
        try {
            return (int) Files.readAllLines(oomFile()).stream().filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last error-level message in log.json (from the shim or the runtime). */
    public Optional<String> lastError() {
        List<String> lines;
        try {
            lines = Files.readAllLines(runtimeLog(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
            try {
                JsonNode line = JSON.readTree(lines.get(i));
                String level = line.path("level").asText();
                if (level.equals("error") || level.equals("fatal"))
                    return Optional.of(line.path("msg").asText());
            } catch (IOException e) {
                // a torn or foreign line: skip it
            }
        }
        return Optional.empty();
    }

    private static OptionalInt readInt(Path p) {
        try {
            return OptionalInt.of(Integer.parseInt(read(p).strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p);
    }
}
