package dev.nana.cri;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.nana.ClientIo;
import dev.nana.DeadlineExceededException;
import dev.nana.ExecInfo;
import dev.nana.ExecSpec;
import dev.nana.ExitStatus;
import dev.nana.Supervisor;
import dev.nana.supervisor.HeapBudget;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * CRI's ExecSync: a command run in a container to its end, its output captured (each stream cut at
 * {@link #CAP}; the rest is read and dropped, so the command never waits for a reader), killed when
 * it outlives its timeout.
 *
 * <p>Its memory is budgeted: at most {@link #AT_ONCE} run at once (more wait for a turn within
 * their timeout), each holding at most {@link #CAP} per stream, kept once (the answer wraps the
 * kept bytes, it does not copy them): 8 MiB in all. containerd cuts at 16 MiB (CVE-2022-1708); the
 * kubelet reads 10 KiB of a probe's output, so 1 MiB loses nothing a node uses, and one chatty
 * probe can no longer fill the daemon's heap.
 */
final class ExecSync {
    /** The most of each stream an answer carries. */
    static final int CAP = 1 << 20;

    /** ExecSyncs under way at once. */
    static final int AT_ONCE = 4;

    /** What one holds at most: each stream's capped output, once, and what reads it. */
    static final long BYTES = 2 * CAP + (256 << 10);

    private static final Semaphore TURNS = new Semaphore(AT_ONCE, true);

    /** How long the output may take to drain once the process has exited. */
    private static final long DRAIN_MILLIS = 5000;

    private ExecSync() {}

    record Result(ByteString stdout, ByteString stderr, int exitCode) {}

    static Result run(
            Supervisor supervisor, Path stateDir, String id, List<String> cmd, long timeoutSeconds)
            throws IOException {
        try {
            if (!TURNS.tryAcquire(timeoutSeconds > 0 ? timeoutSeconds : 3600, TimeUnit.SECONDS)) {
                throw new DeadlineExceededException(
                        "command "
                                + cmd
                                + " in container "
                                + id
                                + " found no turn within its timeout of "
                                + timeoutSeconds
                                + " s: "
                                + AT_ONCE
                                + " ExecSyncs run at once");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.nana.UnavailableException("interrupted waiting to run " + cmd, e);
        }
        try (HeapBudget.Share _ = HeapBudget.PROCESS.takeLasting(BYTES, "an ExecSync")) {
            return runTurn(supervisor, stateDir, id, cmd, timeoutSeconds);
        } finally {
            TURNS.release();
        }
    }

    private static Result runTurn(
            Supervisor supervisor, Path stateDir, String id, List<String> cmd, long timeoutSeconds)
            throws IOException {
        Capped out = new Capped();
        Capped err = new Capped();
        // the read ends open before the exec starts: nothing it writes early is lost; closing
        // lets go of them (a process left behind never waits for them) and removes the folder
        try (ClientIo.Fifos fifos =
                ClientIo.of(stateDir).fifos("cri-exec-", false, true, out, err)) {
            ExecInfo exec =
                    supervisor.exec(
                            id,
                            ExecSpec.builder(cmd.toArray(String[]::new))
                                    .stdio(fifos.stdio())
                                    .build());
            ExitStatus exit;
            try {
                var done = supervisor.waitForExec(id, exec.execId());
                exit = timeoutSeconds > 0 ? done.get(timeoutSeconds, TimeUnit.SECONDS) : done.get();
            } catch (TimeoutException e) {
                try {
                    LibNana.kill(exec.pid(), 9);
                } catch (OsException gone) {
                    // it ended meanwhile
                }
                throw new DeadlineExceededException(
                        "command "
                                + cmd
                                + " in container "
                                + id
                                + " did not finish within its timeout of "
                                + timeoutSeconds
                                + " s: it was killed");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new dev.nana.UnavailableException(
                        "interrupted while running " + cmd + " in " + id, e);
            } catch (ExecutionException e) {
                throw new dev.nana.UnavailableException(
                        "command " + cmd + " in container " + id + ": " + e.getCause().getMessage(),
                        e);
            }
            try {
                fifos.join(DRAIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Result(out.bytes(), err.bytes(), exit.code());
        }
    }

    /** Keeps the first {@link #CAP} bytes and reads the rest away. */
    private static final class Capped extends OutputStream {
        private byte[] kept = new byte[0];
        private int size;

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int n = Math.min(CAP - size, len);
            if (n <= 0) return;
            if (size + n > kept.length)
                kept = Arrays.copyOf(kept, Math.min(CAP, Math.max(size + n, kept.length * 2)));
            System.arraycopy(b, off, kept, size, n);
            size += n;
        }

        /** The kept bytes, wrapped (never written again: the pumps have stopped). */
        synchronized ByteString bytes() {
            return UnsafeByteOperations.unsafeWrap(kept, 0, size);
        }
    }
}
