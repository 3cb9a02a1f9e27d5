package dev.nana.supervisor;

import static dev.nana.ContainerStatus.CREATED;
import static dev.nana.ContainerStatus.PAUSED;
import static dev.nana.ContainerStatus.RUNNING;
import static dev.nana.ContainerStatus.STOPPED;

import dev.nana.ContainerStatus;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which operation a container allows in which status: the one table, and the one check every
 * handler asks before it acts. A container enters the loop's table CREATED or RUNNING (an id still
 * being created is only reserved, and is not a container yet); STOPPED is its last status. An
 * exclusive operation refuses to begin while another one is under way; start, pause, resume and
 * delete mark their container busy (Container#busy) from their request until their worker's result
 * is handled.
 */
final class Lifecycle {
    private static final Set<ContainerStatus> LIVE = EnumSet.of(CREATED, RUNNING, PAUSED);

    enum Op {
        // refused as, called while under way, exclusive, the statuses that allow it
        START("cannot start", "start", true, EnumSet.of(CREATED)),
        KILL("cannot kill", "kill", false, LIVE),
        UPDATE("cannot update", "update", false, LIVE),
        STATS("no stats for", "stats", false, LIVE),
        EXEC("cannot exec in", "exec", false, EnumSet.of(RUNNING)),
        CHECKPOINT("cannot checkpoint", "checkpoint", true, EnumSet.of(RUNNING)),
        PAUSE("cannot pause", "pause", true, EnumSet.of(RUNNING)),
        RESUME("cannot resume", "resume", true, EnumSet.of(PAUSED)),
        /** A delete with force takes a running or paused container too: it kills first. */
        DELETE("cannot delete", "delete", true, EnumSet.of(CREATED, STOPPED));

        /** How a refusal begins: "cannot start", then the id. */
        final String refused;

        /** What the operation is called while it is under way: "a start is under way". */
        final String noun;

        final boolean exclusive;
        final Set<ContainerStatus> allowed;

        Op(String refused, String noun, boolean exclusive, Set<ContainerStatus> allowed) {
            this.refused = refused;
            this.noun = noun;
            this.exclusive = exclusive;
            this.allowed = allowed;
        }
    }

    private Lifecycle() {}

    /** Why op may not happen to c now, as the caller is told it; null when it may. */
    static String refusal(Container c, Op op, boolean force) {
        String id = "\"" + c.id() + "\"";
        if (op.exclusive && c.busy != null) {
            return op.refused
                    + " "
                    + id
                    + ": a "
                    + c.busy.noun
                    + " is under way; try again when it is done";
        }
        boolean allowed =
                op.allowed.contains(c.status)
                        || (op == Op.DELETE && force && LIVE.contains(c.status));
        return allowed
                ? null
                : op.refused + " " + id + ": it is " + describe(c.status) + hint(op, c.status);
    }

    /** What to do instead, where there is a clear next step. */
    private static String hint(Op op, ContainerStatus status) {
        return switch (op) {
            case START -> status == STOPPED ? "; delete it and run it again" : "";
            case EXEC -> status == PAUSED ? "; resume it first" : "";
            case RESUME -> "; only a paused container resumes";
            case DELETE -> "; kill it first, or delete with force";
            default -> "";
        };
    }

    static String describe(ContainerStatus s) {
        return s.name().toLowerCase(Locale.ROOT);
    }
}
