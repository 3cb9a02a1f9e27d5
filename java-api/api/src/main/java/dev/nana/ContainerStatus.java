package dev.nana;

/** Where a container is in its life. */
public enum ContainerStatus {
    /** Its process exists (the runtime's create ran) but the user's program has not started. */
    CREATED,
    /** The user's program runs. */
    RUNNING,
    /** Frozen (pause); resume continues it. */
    PAUSED,
    /** Its init process exited; its exit status is known. Delete removes it. */
    STOPPED
}
