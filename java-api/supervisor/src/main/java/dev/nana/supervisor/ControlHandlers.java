package dev.nana.supervisor;

import dev.nana.ContainerStatus;
import dev.nana.EventType;
import dev.nana.UnavailableException;
import dev.nana.supervisor.runtime.Criu;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What is done to a live container through its runtime: signals, limits, freezing, checkpoints. */
final class ControlHandlers {
    private final Core core;

    ControlHandlers(Core core) {
        this.core = core;
    }

    void kill(Task.Kill t) {
        LoopContainer c = core.allowing(t.id(), Lifecycle.Op.KILL, false, t.reply());
        if (c == null) return;
        core.workers.execute(
                () -> {
                    try {
                        c.runtime.kill(c.id(), c.record.runtimeArgs(), t.signal(), t.all());
                        core.complete(t.reply(), null);
                    } catch (RuntimeException e) {
                        core.fail(t.reply(), e);
                    }
                });
    }

    void update(Task.Update t) {
        LoopContainer c = core.allowing(t.id(), Lifecycle.Op.UPDATE, false, t.reply());
        if (c == null) return;
        core.workers.execute(
                () -> {
                    try {
                        c.runtime.update(c.id(), c.record.runtimeArgs(), t.resources());
                        core.post(new Task.UpdateDone(c.id(), t.reply()));
                    } catch (RuntimeException e) {
                        core.fail(t.reply(), e);
                    }
                });
    }

    /** Answers with the container as the loop sees it once the runtime's update is done. */
    void updateDone(Task.UpdateDone t) {
        LoopContainer c = core.find(t.id(), t.reply());
        if (c != null) core.complete(t.reply(), c.info());
    }

    void pause(Task.Pause t) {
        Lifecycle.Op op = t.pause() ? Lifecycle.Op.PAUSE : Lifecycle.Op.RESUME;
        LoopContainer c = core.allowing(t.id(), op, false, t.reply());
        if (c == null) return;
        c.busy = op;
        Path paused = c.init.dir.pausedFile();
        core.workers.execute(
                () -> {
                    try {
                        c.runtime.pause(c.id(), c.record.runtimeArgs(), t.pause());
                        // on disk, so that a restarted supervisor knows it is frozen
                        if (t.pause()) Files.write(paused, new byte[0]);
                        else Files.deleteIfExists(paused);
                        core.post(new Task.PauseDone(c.id(), t.pause(), null, t.reply()));
                    } catch (RuntimeException e) {
                        core.post(new Task.PauseDone(c.id(), t.pause(), e, t.reply()));
                    } catch (IOException e) {
                        core.post(
                                new Task.PauseDone(
                                        c.id(),
                                        t.pause(),
                                        new UnavailableException(
                                                op.name().toLowerCase(Locale.ROOT)
                                                        + " \""
                                                        + c.id()
                                                        + "\": record it in "
                                                        + c.init.dir.dir()
                                                        + ": "
                                                        + e.getMessage(),
                                                e),
                                        t.reply()));
                    }
                });
    }

    void pauseDone(Task.PauseDone t) {
        LoopContainer c = core.endBusy(t.id(), t.error(), t.reply());
        if (c == null) return;
        if (c.status != ContainerStatus.STOPPED) {
            c.status = t.pause() ? ContainerStatus.PAUSED : ContainerStatus.RUNNING;
            core.publish(c, c.init, t.pause() ? EventType.PAUSE : EventType.RESUME, null, null);
        }
        core.complete(t.reply(), c.info());
    }

    void checkpoint(Task.Checkpoint t) {
        LoopContainer c = core.allowing(t.id(), Lifecycle.Op.CHECKPOINT, false, t.reply());
        if (c == null) return;
        core.workers.execute(
                () -> {
                    try {
                        Path criu = Criu.require(c.runtime, t.criu());
                        c.runtime.checkpoint(
                                c.id(),
                                c.record.runtimeArgs(),
                                criu,
                                t.imagePath(),
                                t.leaveRunning());
                        core.complete(
                                t.reply(),
                                null); // without leave-running, its exit follows as an event
                    } catch (RuntimeException e) {
                        core.fail(t.reply(), e);
                    }
                });
    }
}
