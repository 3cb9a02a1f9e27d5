package dev.nana;

/** What happened to a container. */
public enum EventType {
    /** Created: the process exists, the user's program has not run. */
    CREATE,
    /** The user's program started. */
    START,
    /** A process exited; the event carries its exit code. */
    EXIT,
    /** The kernel OOM-killed a process in the container's memory cgroup. */
    OOM,
    /** The container was deleted. */
    DELETE,
    /** The container's processes were frozen. */
    PAUSE,
    /** The container's processes were thawed. */
    RESUME,
    /** An exec process started in the container; its process field is the exec id. */
    EXEC_STARTED
}
