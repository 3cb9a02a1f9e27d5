package dev.nana;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A handle on one container, as {@link Process} is on a process: obtained from {@link
 * Supervisor#launch} or {@link Supervisor#container}. It holds only the id and its supervisor, so
 * it is as thread-safe as the supervisor and stays valid across a daemon's restart; every call asks
 * the supervisor anew.
 *
 * <p>{@link #close()} deletes the container, killing it first if it runs: with try-with-resources,
 * a container lives exactly as long as the block.
 *
 * <pre>{@code
 * try (Container c = nana.launch(ContainerSpec.builder("job-1", bundle).args("sh", "-c", "echo hi").build())) {
 *     String out = new String(c.output().readAllBytes(), UTF_8);
 *     ExitStatus exit = c.onExit().join();
 * }
 * }</pre>
 */
public interface Container extends AutoCloseable {
    /**
     * Its id.
     *
     * @return its id
     */
    String id();

    /**
     * What the supervisor knows of it now.
     *
     * @return a snapshot of it
     */
    ContainerInfo info();

    /**
     * Completes when its init process has exited (at once if it has); on the supervisor's thread.
     *
     * @return a future of its exit status
     */
    CompletableFuture<ExitStatus> onExit();

    /**
     * Waits for its init process to exit, as {@link Process#waitFor()}.
     *
     * @throws InterruptedException when the calling thread is interrupted while it waits (the
     *     container is left as it is)
     * @return its exit status
     */
    ExitStatus waitFor() throws InterruptedException;

    /**
     * Waits at most timeout for its init process to exit, as {@link Process#waitFor(Duration)}.
     *
     * @param timeout how long to wait at most
     * @throws InterruptedException when the calling thread is interrupted while it waits
     * @return true when it has exited ({@link #onExit()} then has its status), false when it still
     *     runs after timeout
     */
    boolean waitFor(Duration timeout) throws InterruptedException;

    /**
     * Whether its init process is there: created, running or paused, as {@link Process#isAlive()}.
     *
     * @return false once it has exited
     */
    boolean isAlive();

    /**
     * Its init process's pid, in the supervisor's pid namespace, as {@link Process#pid()}.
     *
     * @return the pid, or 0 once it has exited
     */
    long pid();

    /**
     * Stops it as {@code docker stop} does: SIGTERM, then SIGKILL if it still runs after grace (a
     * paused container is resumed first, so that it can take the TERM). It is not deleted.
     *
     * @param grace how long it has to end after the TERM
     * @throws InterruptedException when the calling thread is interrupted while it waits (the
     *     container may have had its TERM)
     * @return its exit status (137 when it was killed)
     */
    ExitStatus stop(Duration grace) throws InterruptedException;

    /**
     * Sends a signal to its init process.
     *
     * @param signal the signal
     */
    void kill(Signal signal);

    /**
     * Sends a signal to every process in it.
     *
     * @param signal the signal
     */
    void killAll(Signal signal);

    /**
     * Runs an extra process in it; {@link #onExit(ExecInfo)} tells when that one ends.
     *
     * @param spec the process
     * @return the exec's id and pid
     */
    ExecInfo exec(ExecSpec spec);

    /**
     * Runs an extra process in it with its stdio connected to the handle, as {@link
     * ProcessBuilder#start()} does: its stdin, stdout and stderr are the handle's streams.
     *
     * <pre>{@code
     * try (ExecHandle ls = c.launch(ExecSpec.of("ls", "/"))) {
     *     List<String> names = ls.lines().toList();
     *     int code = ls.waitFor().code();
     * }
     * }</pre>
     *
     * @param spec the process, with no stdio of its own
     * @return its handle
     */
    ExecHandle launch(ExecSpec spec);

    /**
     * Completes when an exec process has exited.
     *
     * @param exec what exec returned
     * @return a future of its exit status
     */
    CompletableFuture<ExitStatus> onExit(ExecInfo exec);

    /** Freezes all its processes. */
    void pause();

    /** Thaws it. */
    void resume();

    /**
     * Changes its resource limits.
     *
     * @param resources the limits to change
     */
    void update(Resources resources);

    /**
     * Its resource use now.
     *
     * @return its cpu, memory, pids and block I/O figures
     */
    Stats stats();

    /**
     * Its output, stdout and stderr as they came, from the first byte. From {@link
     * Supervisor#launch}, the first call returns the reader attached from its start, which gets
     * every byte (and which the container waits for while it is not read: see {@link
     * Supervisor#launch}); any other call reads its log ({@link Supervisor#output(String)}), which
     * tells of bytes it no longer has with an {@link OutputGapException}.
     *
     * @return its output, to read and close
     */
    InputStream output();

    /**
     * Its stdin, when it was created with {@link ContainerSpec.Builder#openStdin()}: see {@link
     * Supervisor#input(String)}.
     *
     * @return its stdin, to write and close
     */
    OutputStream input();

    /**
     * Connects a client's FIFOs to it: see {@link Supervisor#attach}.
     *
     * @param stdio the client's FIFOs
     */
    void attach(Stdio stdio);

    /**
     * Sets the size of its terminal: see {@link Supervisor#resize}.
     *
     * @param rows its rows
     * @param columns its columns
     */
    void resize(int rows, int columns);

    /** Gives its stdin end-of-file: see {@link Supervisor#closeInput}. */
    void closeInput();

    /** Deletes it, killing it first if it runs. Does nothing if it is gone already. */
    @Override
    void close();
}
