package dev.nana.supervisor;

import dev.nana.ContainerInfo;
import dev.nana.ContainerStatus;
import dev.nana.ExitStatus;
import dev.nana.runtime.OciRuntime;
import dev.nana.shim.ProcessDir;
import dev.nana.shim.ShimHandle;
import dev.nana.state.ContainerRecord;
import dev.nana.state.Reported;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A container as the event loop holds it. Only the loop thread reads or writes these
 * fields; everything here can be rebuilt from the state directory (restore does).
 */
final class Container {
    final ContainerRecord record;
    final OciRuntime runtime;
    final Path dir;
    final ProcessDir init;

    /** null while being created. */
    ContainerStatus status;
    /** A create, start or delete is under way on a worker: other changes wait or fail. */
    String busy;
    ShimHandle shim;
    long exitToken = -1;
    int pid;
    ExitStatus exit;
    int oomKills;
    Reported reported = Reported.NOTHING;
    final List<CompletableFuture<ExitStatus>> exitWaiters = new ArrayList<>();
    /** A delete that waits for the exit its kill will cause. */
    CompletableFuture<Void> deleteAfterExit;
    boolean deleteAfterExitLazily;
    /** Exec processes by exec id, in the order they were added. */
    final java.util.Map<String, ExecState> execs = new java.util.LinkedHashMap<>();
    /** The init's exit, held back until its execs' exits are told (they come first). */
    dev.nana.shim.ShimExit pendingInitExit;

    /** One exec process, as the loop holds it. */
    static final class ExecState {
        final String execId;
        final ProcessDir dir;
        ShimHandle shim;
        long token = -1;
        int pid;
        ExitStatus exit;
        Reported reported = Reported.NOTHING;
        final List<CompletableFuture<ExitStatus>> waiters = new ArrayList<>();

        ExecState(String execId, ProcessDir dir) {
            this.execId = execId;
            this.dir = dir;
        }

        boolean live() {
            return exit == null;
        }
    }

    boolean execsLive() {
        return execs.values().stream().anyMatch(ExecState::live);
    }

    Container(ContainerRecord record, OciRuntime runtime, Path dir) {
        this.record = record;
        this.runtime = runtime;
        this.dir = dir;
        this.init = new ProcessDir(dir.resolve("init"));
    }

    String id() {
        return record.id();
    }

    ContainerInfo info() {
        return new ContainerInfo(record.id(), status, pid, record.bundle(), record.runtime(), record.labels(),
                record.createdAt(), exit, oomKills);
    }
}
