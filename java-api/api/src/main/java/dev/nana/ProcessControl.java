package dev.nana;

import java.util.concurrent.CompletableFuture;

/**
 * What a client does with a running process's stdio and exit: connect its FIFOs, size its terminal,
 * give its stdin end-of-file, wait for it. A {@link Supervisor} does it, in-process or from a
 * daemon; so does a {@link ClientIo}, without a supervisor, straight through the processes' shims.
 *
 * <p>{@code execId} names an exec's process in the container; null names the container's own.
 */
public interface ProcessControl {
    /**
     * Connects a client's FIFOs to a running container's process, as {@code nana attach} does. The
     * caller made them (mkfifo, on this host) and holds the read ends of stdout and stderr open, so
     * that nothing written meanwhile is lost; they take the place of the client attached before,
     * whose FIFOs its shim closes. With a terminal, stderr is merged into stdout and may be null;
     * stdin may be null. Works after the client that started the container, and the supervisor,
     * restarted.
     *
     * @param id the container
     * @param stdio the client's FIFOs (stdout at least)
     * @throws NotFoundException when there is no such container
     * @throws FailedPreconditionException when it is not running
     */
    void attach(String id, Stdio stdio);

    /**
     * Sets the size of a process's terminal (a container or exec created with one); its program
     * gets SIGWINCH. A process without a terminal ignores it.
     *
     * @param id the container
     * @param execId the exec, or null for the container's own process
     * @param rows its rows, 1 to 65535
     * @param columns its columns, 1 to 65535
     * @throws NotFoundException when there is no such container or exec
     * @throws FailedPreconditionException when the process has exited
     * @throws InvalidArgumentException when a size is out of range
     */
    void resize(String id, String execId, int rows, int columns);

    /**
     * Gives a process's stdin end-of-file. Its shim keeps stdin open for a client that attaches
     * again, so a client that wrote through its own FIFO ({@link Stdio#stdin()}) ends the input
     * with this call; closing the FIFO alone is a detach. (A stream from {@link Supervisor#input}
     * does it on close.)
     *
     * @param id the container
     * @param execId the exec, or null for the container's own process
     * @throws NotFoundException when there is no such container or exec
     * @throws FailedPreconditionException when the process has exited
     */
    void closeInput(String id, String execId);

    /**
     * Waits for the container's init process.
     *
     * @param id the container
     * @return a future that completes when it has exited (at once if it has); from a daemon, it
     *     survives the daemon's restart
     */
    CompletableFuture<ExitStatus> waitForExit(String id);

    /**
     * Waits for an exec process.
     *
     * @param id the container
     * @param execId the exec
     * @return a future that completes when the exec has exited (at once if it has)
     */
    CompletableFuture<ExitStatus> waitForExec(String id, String execId);
}
