package dev.nana.supervisor;

import dev.nana.ContainerStatus;
import dev.nana.EventType;

/**
 * What restore found, told through the loop like any live news: a container adopted into the table
 * (Restorer posts its exits after it, as the monitor would), and the DELETE of a container whose
 * delete was cut short after its commit point.
 */
final class RestoreHandlers {
    private final Core core;

    RestoreHandlers(Core core) {
        this.core = core;
    }

    /**
     * Takes a container restore rebuilt from its folder (its "reported" already merged with the
     * journal), tells what it shows and was not told — its create, its start, its OOM kills — and
     * watches its live shims again.
     */
    void adopt(Task.Adopt t) {
        LoopContainer c = t.container();
        core.table.put(c.id(), c);
        if (!c.init.reported.create()) core.publish(c, c.init, EventType.CREATE, null, null);
        if (c.status != ContainerStatus.CREATED && !c.init.reported.start()) {
            core.publish(c, c.init, EventType.START, null, null);
        }
        core.reconcileOom(c, t.oomKills());
        for (Proc p : c.procs.values()) if (p.shim != null) core.watch(c, p);
    }

    void deleted(Task.Deleted t) {
        core.publishDeleted(t.id(), t.uid());
    }
}
