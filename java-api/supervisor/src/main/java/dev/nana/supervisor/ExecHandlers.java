package dev.nana.supervisor;

import dev.nana.AlreadyExistsException;
import dev.nana.EventType;
import dev.nana.ExecInfo;
import dev.nana.NotFoundException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Exec: another process in a running container, with a shim and a folder of its own. */
final class ExecHandlers {
    private final Core core;

    ExecHandlers(Core core) {
        this.core = core;
    }

    void exec(Task.Exec t) {
        LoopContainer c = core.allowing(t.id(), Lifecycle.Op.EXEC, false, t.reply());
        if (c == null) return;
        String execId =
                t.spec().execId() != null
                        ? t.spec().execId()
                        : "exec-"
                                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        if (c.procs.containsKey(execId)) {
            core.fail(
                    t.reply(),
                    new AlreadyExistsException(
                            "exec \""
                                    + execId
                                    + "\" already exists in \""
                                    + c.id()
                                    + "\": choose another exec id"));
            return;
        }
        Proc p = c.add(execId);
        core.starts.execute(
                () -> {
                    try {
                        core.post(
                                new Task.ExecLaunched(
                                        c.id(),
                                        execId,
                                        core.launcher.launchExec(
                                                c.id(),
                                                c.dir,
                                                c.runtime,
                                                c.record.runtimeArgs(),
                                                p.dir,
                                                t.spec(),
                                                core.timeout),
                                        t.reply()));
                    } catch (RuntimeException e) {
                        core.post(new Task.ExecFailed(c.id(), execId, e, t.reply()));
                    }
                });
    }

    void launched(Task.ExecLaunched t) {
        LoopContainer c = core.table.get(t.id());
        Proc p = c == null ? null : c.procs.get(t.execId());
        if (p == null) { // the container went away meanwhile
            t.shim().close();
            core.fail(t.reply(), Core.notFound(t.id()));
            return;
        }
        p.attach(t.shim());
        core.watch(c, p);
        core.publish(c, p, EventType.EXEC_STARTED, null, null);
        core.complete(t.reply(), new ExecInfo(c.id(), p.id, p.pid));
    }

    void failed(Task.ExecFailed t) {
        LoopContainer c = core.table.get(t.id());
        if (c != null) c.procs.remove(t.execId());
        core.fail(t.reply(), t.error());
    }

    void waitExec(Task.WaitExec t) {
        LoopContainer c = core.find(t.id(), t.reply());
        if (c == null) return;
        Proc p = c.procs.get(t.execId());
        if (p == null || p.isInit()) {
            core.fail(
                    t.reply(),
                    new NotFoundException("no exec \"" + t.execId() + "\" in \"" + c.id() + "\""));
        } else if (p.exit != null) {
            core.complete(t.reply(), p.exit);
        } else {
            p.waiters.add(t.reply());
        }
    }
}
