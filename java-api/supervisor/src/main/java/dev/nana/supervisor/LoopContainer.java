package dev.nana.supervisor;

import dev.nana.ContainerInfo;
import dev.nana.ContainerStatus;
import dev.nana.supervisor.runtime.OciRuntime;
import dev.nana.supervisor.shim.ProcessDir;
import dev.nana.supervisor.shim.ShimExit;
import dev.nana.supervisor.state.ContainerRecord;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A container as the event loop holds it: its record, its processes by id (its own, {@link
 * Proc#INIT}, first, then its execs in the order they were added), and where it is in its life.
 * Only the loop thread reads or writes these fields; everything here can be rebuilt from the state
 * directory (restore does).
 */
final class LoopContainer {
    final ContainerRecord record;
    final OciRuntime runtime;
    final Path dir;
    final Proc init;
    final Map<String, Proc> procs = new LinkedHashMap<>();

    ContainerStatus status;

    /**
     * An operation under way on a worker that excludes others (Lifecycle.Op#exclusive); null when
     * idle.
     */
    Lifecycle.Op busy;

    int oomKills;

    /** A delete that waits for the exit its kill will cause. */
    CompletableFuture<Void> deleteAfterExit;

    boolean deleteAfterExitLazily;

    /** The init's exit, held back until its execs' exits are told (they come first). */
    ShimExit pendingInitExit;

    LoopContainer(ContainerRecord record, OciRuntime runtime, Path dir, ContainerStatus status) {
        this.record = record;
        this.runtime = runtime;
        this.dir = dir;
        this.status = status;
        this.init = add(Proc.INIT);
    }

    String id() {
        return record.id();
    }

    /** A new process of this container, in its own folder. */
    Proc add(String procId) {
        Proc p = new Proc(procId, new ProcessDir(dir.resolve(procId)));
        procs.put(procId, p);
        return p;
    }

    boolean execsLive() {
        for (Proc p : procs.values()) if (!p.isInit() && p.live()) return true;
        return false;
    }

    ContainerInfo info() {
        return new ContainerInfo(
                record.id(),
                status,
                init.pid,
                record.bundle(),
                record.runtime(),
                record.labels(),
                record.createdAt(),
                init.exit,
                oomKills);
    }
}
