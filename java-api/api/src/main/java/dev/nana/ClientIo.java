package dev.nana;

import dev.nana.spi.LocalSupervisorFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * The client's side of a state directory's containers, as containerd's {@code cio} package is: the
 * FIFOs a command's stdio goes through and their copying to its own streams, and what any process
 * may do with a container without a supervisor and its lock, straight through the container's shim:
 * attach, size a terminal, close stdin, wait for an exit, read the output log and the event
 * journal.
 *
 * <p>The nana CLI works in-process by building a supervisor for one command and closing it as soon
 * as its container runs, so that other commands are not kept waiting; it streams on through this.
 * An in-process supervisor's {@link Supervisor#attach}, {@link Supervisor#resize} and {@link
 * Supervisor#closeInput} are the same calls. Its {@code waitForExit} and {@code waitForExec} wait
 * on a thread each: cancel the future of a wait given up.
 */
public interface ClientIo extends ProcessControl {
    /**
     * The client's side of the containers under stateDir, through nana's in-process supervisor
     * module (it needs libnana, as a supervisor does).
     *
     * @param stateDir the state directory (the daemon's is /run/nana)
     * @return its client side
     * @throws UnavailableException when dev.nana:nana-supervisor is not there, or libnana is not
     */
    static ClientIo of(Path stateDir) {
        return ServiceLoader.load(LocalSupervisorFactory.class, ClientIo.class.getClassLoader())
                .findFirst()
                .orElseThrow(
                        () ->
                                new UnavailableException(
                                        "ClientIo needs nana's in-process supervisor module: add"
                                                + " the dependency dev.nana:nana-supervisor"))
                .clientIo(stateDir);
    }

    /**
     * FIFOs for one process's stdio in a new private folder (under the state directory's {@code
     * stdio/}, as containerd keeps its FIFOs under /run/containerd/fifo), with the read ends of
     * stdout and stderr open and copied to out and err before this returns, so that nothing the
     * process writes early is lost. Give {@link Fifos#stdio()} to the process's spec, or to {@link
     * #attach}.
     *
     * @param prefix the start of the folder's name ("run-", "exec-"…)
     * @param stdin whether to make a stdin FIFO
     * @param stderr whether to make a stderr FIFO (a terminal merges stderr into stdout)
     * @param out where the process's stdout goes ({@link #standardOutput()} splices into fd 1)
     * @param err where its stderr goes
     * @return the FIFOs, copying
     * @throws IOException when the folder or a FIFO cannot be made
     */
    Fifos fifos(String prefix, boolean stdin, boolean stderr, OutputStream out, OutputStream err)
            throws IOException;

    /**
     * This process's stdout (fd 1) as a stream a copy from {@link #fifos} splices into without
     * passing the bytes through the JVM. A reader that went away makes writes throw {@link
     * ReaderGoneException}.
     *
     * @return fd 1, never closed by nana
     */
    OutputStream standardOutput();

    /**
     * This process's stderr (fd 2), as {@link #standardOutput()} is fd 1.
     *
     * @return fd 2, never closed by nana
     */
    OutputStream standardError();

    /**
     * A container's output as its log keeps it, from the oldest byte the log still has. A read
     * where bytes are missing (rotated away while this reader fell behind) throws {@link
     * OutputGapException} once with their count; reading on continues after the gap.
     *
     * @param id the container
     * @param follow keep reading until the container has exited, instead of ending at the log's end
     * @return its output, to read and close
     * @throws NotFoundException when there is no such container
     */
    InputStream log(String id, boolean follow);

    /**
     * Reads the state directory's event journal, as a daemon replays it: the events after since
     * (all of them when since is null and follow is false; only new ones when since is null and
     * follow is true), then, with follow, every new one as it is journaled, until the thread is
     * interrupted.
     *
     * @param filter which events
     * @param since replay strictly after this time, or null
     * @param follow keep reading new events
     * @param sink gets each event, in order
     * @throws InterruptedException when the thread is interrupted while following
     */
    void readEvents(EventFilter filter, Instant since, boolean follow, Consumer<Event> sink)
            throws InterruptedException;

    /**
     * The process whose supervisor holds the state directory now, if one does (a daemon, or a CLI
     * working in-process).
     *
     * @return its pid
     */
    Optional<Long> lockHolder();

    /**
     * What this process runs containers with: libnana's ABI and where it was loaded from, and the
     * nana-shim binary, a line each.
     *
     * @return the lines
     */
    List<String> versions();

    /** One process's stdio FIFOs, from {@link ClientIo#fifos}. */
    interface Fifos extends AutoCloseable {
        /**
         * The FIFOs' paths, for the process's spec or {@link ClientIo#attach}.
         *
         * @return the paths
         */
        Stdio stdio();

        /**
         * Opens the stdin FIFO's write end (once the process's shim holds its read end, after the
         * process was created or attached). Closing it detaches; {@link ClientIo#closeInput} gives
         * the process end-of-file.
         *
         * @return the process's stdin
         * @throws IOException when there is no stdin FIFO, or it cannot be opened
         */
        OutputStream openInput() throws IOException;

        /**
         * Waits until the shim closed the output FIFOs: the process exited and everything it wrote
         * is copied (or another client attached).
         *
         * @param millis at most this long; 0: however long it takes
         * @return whether the copies are done
         * @throws InterruptedException when interrupted
         */
        boolean join(long millis) throws InterruptedException;

        /**
         * What ended a copy early: {@link ReaderGoneException} when the reader of out or err went
         * away, another IOException when writing there failed.
         *
         * @return the first failure, if one happened
         */
        Optional<IOException> failure();

        /**
         * Lets go of the output FIFOs (a client that ends before its process: detached,
         * interrupted, its reader gone), so the process writes to its log alone and never waits for
         * this client, and removes the folder.
         */
        @Override
        void close();
    }
}
