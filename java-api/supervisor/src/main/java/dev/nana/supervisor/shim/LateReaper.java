package dev.nana.supervisor.shim;

import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reaps shims that told their process's exit (exitStatus, then the exit FIFO closed) but live on to
 * write what an attached reader still waits for. Their exit is reported at once; their own exit,
 * which may take as long as that reader does, is collected here, off every other thread: one
 * platform thread, started with the first such shim, polling with WNOHANG.
 */
final class LateReaper {
    private static final long POLL_MILLIS = 100;
    private static final Set<Integer> PIDS = ConcurrentHashMap.newKeySet();
    private static Thread thread;

    private LateReaper() {}

    /** Reaps pid, this JVM's child, now if it has exited; else once it does. */
    static void reap(int pid) {
        if (tryReap(pid)) return;
        PIDS.add(pid);
        synchronized (LateReaper.class) {
            if (thread == null)
                thread =
                        Thread.ofPlatform()
                                .name("nana-late-reaper")
                                .daemon()
                                .start(LateReaper::run);
        }
    }

    private static boolean tryReap(int pid) {
        try {
            return LibNana.waitExitCode(pid, true) != -1;
        } catch (OsException e) {
            return true; // not our child (any more): nothing to reap
        }
    }

    private static void run() {
        while (true) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            PIDS.removeIf(LateReaper::tryReap);
        }
    }
}
