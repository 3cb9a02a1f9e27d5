package dev.nana.supervisor;

import static dev.nana.ContainerStatus.CREATED;
import static dev.nana.ContainerStatus.PAUSED;
import static dev.nana.ContainerStatus.RUNNING;
import static dev.nana.ContainerStatus.STOPPED;

import dev.nana.ContainerStatus;
import java.util.Locale;

/**
 * Which operation a container allows in which status: the one table, and the one check every
 * handler asks before it acts. A container enters the loop's table CREATED or RUNNING (an id still
 * being created is only reserved, and is not a container yet); STOPPED is its last status. An
 * exclusive operation refuses to begin while another one is under way; start, pause, resume and
 * delete mark their container busy (LoopContainer#busy) from their request until their worker's
 * result is handled.
 */
final class Lifecycle {
    enum Op {
        // how a refusal begins, what it is called while under way, whether it excludes others
        START("cannot start", "start", true),
        KILL("cannot kill", "kill", false),
        UPDATE("cannot update", "update", false),
        STATS("no stats for", "stats", false),
        EXEC("cannot exec in", "exec", false),
        CHECKPOINT("cannot checkpoint", "checkpoint", true),
        PAUSE("cannot pause", "pause", true),
        RESUME("cannot resume", "resume", true),
        DELETE("cannot delete", "delete", true);

        /** How a refusal begins: "cannot start", then the id. */
        final String refused;

        /** What the operation is called while it is under way: "a start is under way". */
        final String noun;

        final boolean exclusive;

        Op(String refused, String noun, boolean exclusive) {
            this.refused = refused;
            this.noun = noun;
            this.exclusive = exclusive;
        }

        /** The statuses that allow it: the table's other half. */
        boolean allows(ContainerStatus s, boolean force) {
            return switch (this) {
                case START -> s == CREATED;
                case KILL, UPDATE, STATS -> s != STOPPED;
                case EXEC, CHECKPOINT, PAUSE -> s == RUNNING;
                case RESUME -> s == PAUSED;
                // with force, a running or paused container too: it is killed first
                case DELETE -> force || s == CREATED || s == STOPPED;
            };
        }
    }

    private Lifecycle() {}

    /** Why op may not happen to c now, as the caller is told it; null when it may. */
    static String refusal(LoopContainer c, Op op, boolean force) {
        String id = "\"" + c.id() + "\"";
        if (op.exclusive && c.busy != null) {
            return op.refused
                    + " "
                    + id
                    + ": a "
                    + c.busy.noun
                    + " is under way; try again when it is done";
        }
        return op.allows(c.status, force)
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
