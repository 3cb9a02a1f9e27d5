package dev.nana.supervisor;

import dev.nana.ExitStatus;
import dev.nana.supervisor.shim.ProcessDir;
import dev.nana.supervisor.shim.ShimHandle;
import dev.nana.supervisor.state.Reported;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One process of a container as the event loop holds it: the container's own (its init, {@link
 * #INIT}) or one of its execs. Each has a folder, a shim, the monitor's token for the shim's exit
 * FIFO, a pid, an exit once it ends, what of it has been told (reported), and callers waiting for
 * its exit. Only the loop thread reads or writes these fields.
 */
final class Proc {
    /** The id of a container's own process, and the name of its folder. */
    static final String INIT = "init";

    final String id;
    final ProcessDir dir;
    ShimHandle shim;

    /** The monitor's token for the shim's exit FIFO; -1 when not watched. */
    long token = -1;

    int pid;
    ExitStatus exit;
    Reported reported = Reported.NOTHING;
    final List<CompletableFuture<ExitStatus>> waiters = new ArrayList<>();

    Proc(String id, ProcessDir dir) {
        this.id = id;
        this.dir = dir;
    }

    boolean isInit() {
        return id.equals(INIT);
    }

    boolean live() {
        return exit == null;
    }

    /** Takes the shim: its pid is this process's. */
    void attach(ShimHandle shim) {
        this.shim = shim;
        this.pid = shim.pid();
    }
}
