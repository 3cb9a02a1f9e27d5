package dev.nana;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * An extra process in a container, started by {@link Container#launch(ExecSpec)} with its stdio
 * connected to this handle, as {@link Process} is to a {@link ProcessBuilder}'s: {@link #input()}
 * is its stdin, {@link #output()} its stdout and {@link #error()} its stderr, each a pipe. The same
 * in-process and through a daemon (there over one gRPC stream, so it works from another host).
 *
 * <p>As with {@code Process}, every byte arrives, and a process whose output or error is not read
 * waits once its pipe is full: read both (or close what you do not want: the process's writes then
 * go to its log alone). With a terminal ({@link ExecSpec.Builder#terminal}) stdout and stderr are
 * one stream, {@link #output()}, and {@link #error()} is empty. Closing {@link #input()} gives the
 * process end-of-file.
 */
public interface ExecHandle extends AutoCloseable {
    /**
     * The container it runs in.
     *
     * @return the container's id
     */
    String containerId();

    /**
     * Its exec id in the container.
     *
     * @return the id
     */
    String execId();

    /**
     * Its pid, in the daemon's (or this process's) pid namespace.
     *
     * @return the pid
     */
    long pid();

    /**
     * Its stdout (with a terminal, everything it writes).
     *
     * @return the stream, to read and close
     */
    InputStream output();

    /**
     * Its stderr; empty with a terminal.
     *
     * @return the stream, to read and close
     */
    InputStream error();

    /**
     * Its stdin: closing it gives the process end-of-file.
     *
     * @return the stream
     */
    OutputStream input();

    /**
     * Completes with its exit status when it has exited.
     *
     * @return the future
     */
    CompletableFuture<ExitStatus> onExit();

    /**
     * Sets the size of its terminal; its program gets SIGWINCH.
     *
     * @param rows lines
     * @param columns columns
     */
    void resize(int rows, int columns);

    /**
     * Waits until it has exited.
     *
     * @return its exit status
     * @throws InterruptedException when interrupted
     */
    default ExitStatus waitFor() throws InterruptedException {
        try {
            return onExit().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new UnavailableException(
                    "wait for exec " + execId() + " of \"" + containerId() + "\": " + e.getCause(),
                    e);
        }
    }

    /**
     * Waits at most timeout for it to exit.
     *
     * @param timeout how long
     * @return whether it has exited
     * @throws InterruptedException when interrupted
     */
    default boolean waitFor(Duration timeout) throws InterruptedException {
        try {
            var _ =
                    onExit().get(
                                    Math.max(0, timeout.toNanos()),
                                    java.util.concurrent.TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return true; // it ended; waitFor() says how
        }
    }

    /**
     * Whether it is still running.
     *
     * @return true until it has exited
     */
    default boolean isAlive() {
        return !onExit().isDone();
    }

    /**
     * Its stdout as lines of UTF-8 text, read as they come; the stream ends when the process closes
     * its stdout. Close the stream (try-with-resources) to stop early.
     *
     * @return the lines
     */
    default Stream<String> lines() {
        BufferedReader reader =
                new BufferedReader(new InputStreamReader(output(), StandardCharsets.UTF_8));
        return reader.lines()
                .onClose(
                        () -> {
                            try {
                                reader.close();
                            } catch (java.io.IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        });
    }

    /**
     * Lets go of its streams (closing the input gives it end-of-file); the process runs on, its
     * output going to its log alone. Kill it first ({@link Container#kill}) to end it.
     */
    @Override
    void close();
}
