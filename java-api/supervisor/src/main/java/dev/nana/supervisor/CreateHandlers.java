package dev.nana.supervisor;

import dev.nana.AlreadyExistsException;
import dev.nana.ContainerStatus;
import dev.nana.EventType;

/** Create and start: the shim spawned on the start pool, the container entering the table. */
final class CreateHandlers {
    private final Core core;

    CreateHandlers(Core core) {
        this.core = core;
    }

    void create(Task.Create t) {
        String id = t.spec().spec().id();
        if (core.table.containsKey(id) || core.creating.contains(id)) {
            core.fail(
                    t.reply(),
                    new AlreadyExistsException(
                            "container \""
                                    + id
                                    + "\" already exists: delete it first, or choose another id"));
            return;
        }
        core.creating.add(id);
        long requestedAt = System.nanoTime();
        core.starts.execute(
                () -> {
                    try {
                        Launcher.Prepared prepared = core.launcher.prepare(t.spec());
                        boolean running = t.start() || t.restoreImage() != null;
                        core.post(
                                new Task.Launched(
                                        prepared,
                                        core.launcher.launch(
                                                prepared,
                                                t.start(),
                                                core.timeout,
                                                t.restoreImage(),
                                                t.criu()),
                                        running,
                                        requestedAt,
                                        t.reply()));
                    } catch (RuntimeException e) {
                        core.post(new Task.LaunchFailed(id, e, t.reply()));
                    }
                });
    }

    void launched(Task.Launched t) {
        Launcher.Prepared p = t.prepared();
        core.creating.remove(p.record().id());
        LoopContainer c =
                new LoopContainer(
                        p.record(),
                        p.runtime(),
                        p.dir(),
                        t.started() ? ContainerStatus.RUNNING : ContainerStatus.CREATED);
        c.init.attach(t.shim());
        core.table.put(c.id(), c);
        core.watch(c, c.init);
        core.publish(c, c.init, EventType.CREATE, null, null);
        if (t.started()) {
            core.metrics.started(System.nanoTime() - t.requestedAt());
            core.publish(c, c.init, EventType.START, null, null);
        }
        core.complete(t.reply(), c.info());
    }

    void launchFailed(Task.LaunchFailed t) {
        core.creating.remove(t.id());
        core.metrics.startFailed();
        core.fail(t.reply(), t.error());
    }

    void start(Task.Start t) {
        LoopContainer c = core.allowing(t.id(), Lifecycle.Op.START, false, t.reply());
        if (c == null) return;
        c.busy = Lifecycle.Op.START;
        long requestedAt = System.nanoTime();
        core.starts.execute(
                () -> {
                    try {
                        c.init.shim.start(core.timeout);
                        core.post(new Task.StartDone(c.id(), null, requestedAt, t.reply()));
                    } catch (RuntimeException e) {
                        core.post(new Task.StartDone(c.id(), e, requestedAt, t.reply()));
                    }
                });
    }

    void startDone(Task.StartDone t) {
        if (t.error() != null && core.table.containsKey(t.id())) core.metrics.startFailed();
        LoopContainer c = core.endBusy(t.id(), t.error(), t.reply());
        if (c == null) return;
        core.metrics.started(System.nanoTime() - t.requestedAt());
        if (c.status == ContainerStatus.CREATED) c.status = ContainerStatus.RUNNING;
        if (!c.init.reported.start()) core.publish(c, c.init, EventType.START, null, null);
        core.complete(t.reply(), c.info());
    }

    /**
     * The shim wrote "started": a start this supervisor did not ask for (its run was cut short).
     */
    void startNoticed(Task.StartNoticed t) {
        LoopContainer c = core.table.get(t.id());
        if (c != null) core.noticeStart(c);
    }
}
