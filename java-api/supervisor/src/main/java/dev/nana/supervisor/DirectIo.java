package dev.nana.supervisor;

import dev.nana.ClientIo;
import dev.nana.ContainerId;
import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.ExitStatus;
import dev.nana.FailedPreconditionException;
import dev.nana.InvalidArgumentException;
import dev.nana.NotFoundException;
import dev.nana.Stdio;
import dev.nana.UnavailableException;
import dev.nana.supervisor.events.Journal;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.NativeLibrary;
import dev.nana.supervisor.os.OsException;
import dev.nana.supervisor.os.StandardStream;
import dev.nana.supervisor.shim.ClientFifos;
import dev.nana.supervisor.shim.OutputLog;
import dev.nana.supervisor.shim.ProcessDir;
import dev.nana.supervisor.shim.Shim;
import dev.nana.supervisor.shim.ShimExit;
import dev.nana.supervisor.shim.ShimHandle;
import dev.nana.supervisor.shim.ShimProtocol;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The client's side of a state directory's containers ({@link ClientIo}): every call goes straight
 * to a process's folder and its shim — the control FIFO, the exit FIFO, the output log — or to the
 * event journal, and takes no lock, so any process may make it while a supervisor (a daemon, or
 * another CLI) holds the state directory. {@link LocalSupervisor} attaches, resizes and closes
 * input through it too.
 */
final class DirectIo implements ClientIo {
    /** How often a follower of the journal looks for new events. */
    private static final Duration JOURNAL_POLL = Duration.ofMillis(200);

    private final Path root;

    DirectIo(Path root) {
        this.root = root;
    }

    @Override
    public void attach(String id, Stdio stdio) {
        if (stdio == null || stdio.stdout() == null)
            throw new InvalidArgumentException(
                    "attach to \"" + id + "\" needs the client's stdout FIFO at least");
        for (Path p : new Path[] {stdio.stdin(), stdio.stdout(), stdio.stderr()})
            if (p != null) requireFifo(p, id);
        ProcessDir dir = running(process(id, null), id, "attach to");
        Path in = stdio.stdin();
        // held open while the shim opens it, so that its first read finds a writer, not EOF
        Fd inHeld = null;
        try {
            if (in != null) inHeld = LibNana.fifoOpenReadWrite(in);
            control(dir, id, "attach to", ShimProtocol.attach(stdio.stdout(), stdio.stderr(), in));
        } catch (OsException e) {
            throw new FailedPreconditionException(
                    "attach to \"" + id + "\": " + e.getMessage() + " (" + in + ")", e);
        } finally {
            if (inHeld != null) inHeld.close();
        }
    }

    @Override
    public void resize(String id, String execId, int rows, int columns) {
        if (rows < 1 || rows > 65535 || columns < 1 || columns > 65535)
            throw new InvalidArgumentException(
                    "terminal size "
                            + rows
                            + "x"
                            + columns
                            + " of \""
                            + id
                            + "\": rows and columns go from 1 to 65535");
        ProcessDir dir = running(process(id, execId), id, "resize the terminal of");
        control(dir, id, "resize the terminal of", ShimProtocol.resize(rows, columns));
    }

    @Override
    public void closeInput(String id, String execId) {
        ProcessDir dir = running(process(id, execId), id, "close the input of");
        control(dir, id, "close the input of", ShimProtocol.closeStdin());
    }

    @Override
    public CompletableFuture<ExitStatus> waitForExit(String id) {
        return waitFor(id, null);
    }

    @Override
    public CompletableFuture<ExitStatus> waitForExec(String id, String execId) {
        if (execId == null) throw new InvalidArgumentException("waitForExec needs an exec id");
        return waitFor(id, execId);
    }

    /**
     * Waits on the process's exit FIFO, as any process may, on a platform thread of its own (it
     * waits in poll(2), which would pin a virtual thread's carrier). Cancelling the future ends the
     * wait and its thread.
     */
    private CompletableFuture<ExitStatus> waitFor(String id, String execId) {
        ProcessDir dir;
        try {
            dir = process(id, execId);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<ExitStatus> f = new CompletableFuture<>();
        Thread.ofPlatform()
                .daemon()
                .name("nana-wait-" + id)
                .start(
                        () -> {
                            try {
                                awaitExit(dir, id, execId == null, f).ifPresent(f::complete);
                            } catch (Throwable t) {
                                f.completeExceptionally(t);
                            }
                        });
        return f;
    }

    /**
     * The process's exit; empty when the waiter gave up first (the future was cancelled, or
     * completed otherwise), which ends the wait within a slice.
     */
    private static Optional<ExitStatus> awaitExit(
            ProcessDir dir, String id, boolean init, CompletableFuture<ExitStatus> waiter)
            throws OsException {
        ShimExit exit;
        Optional<ShimHandle> shim = ShimHandle.attach(dir, id);
        if (shim.isEmpty()) {
            exit = ShimExit.of(dir);
        } else {
            try (ShimHandle h = shim.get()) {
                Optional<ShimExit> e;
                do {
                    if (waiter.isDone()) return Optional.empty();
                    e = h.awaitExit(WAIT_SLICE);
                } while (e.isEmpty());
                exit = e.get();
            }
        }
        return Optional.of(
                new ExitStatus(
                        exit.code(), exit.exitedAt(), init && exit.oomKills() > 0, exit.derived()));
    }

    /** How long a wait sleeps in poll(2) before it looks whether its waiter gave up. */
    private static final Duration WAIT_SLICE = Duration.ofMillis(250);

    @Override
    public InputStream log(String id, boolean follow) {
        return new OutputLog(process(id, null), follow, false);
    }

    @Override
    public void readEvents(EventFilter filter, Instant since, boolean follow, Consumer<Event> sink)
            throws InterruptedException {
        Path file = root.resolve(Journal.FILE);
        long cursor = -1;
        while (true) {
            try (Journal j = new Journal(file, Journal.DEFAULT_MAX_BYTES)) {
                long end = j.lastSeq();
                if (cursor < 0 && since == null && follow) cursor = end; // live only
                else {
                    long after = cursor;
                    long[] last = {end};
                    // handed on as read: the journal may hold far more than memory should
                    j.scan(
                            e -> {
                                if (after >= 0
                                        ? e.seq() > after
                                        : since == null || e.time().isAfter(since)) {
                                    last[0] = Math.max(last[0], e.seq());
                                    if (filter.test(e.event())) sink.accept(e.event());
                                }
                                return true;
                            });
                    // past what was there even when nothing matched since: never handed on again
                    cursor = last[0];
                }
            } catch (IOException e) {
                throw new UnavailableException("read the event journal " + file + ": " + e, e);
            }
            if (cursor < 0) cursor = 0;
            if (!follow) return;
            Thread.sleep(JOURNAL_POLL);
        }
    }

    @Override
    public Fifos fifos(
            String prefix, boolean stdin, boolean stderr, OutputStream out, OutputStream err)
            throws IOException {
        return ClientFifos.open(folder(prefix), stdin, stderr, out, err);
    }

    /**
     * A fresh private folder for one command's FIFOs, under the state directory's {@link
     * StateDir#STDIO}; under the system's temporary folder when this user may not write there.
     */
    private Path folder(String prefix) throws IOException {
        Path parent = root.resolve(StateDir.STDIO);
        try {
            Files.createDirectories(parent);
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
            return Files.createTempDirectory(parent, prefix);
        } catch (IOException e) {
            return Files.createTempDirectory(prefix);
        }
    }

    @Override
    public OutputStream standardOutput() {
        return StandardStream.OUT;
    }

    @Override
    public OutputStream standardError() {
        return StandardStream.ERR;
    }

    @Override
    public Optional<Long> lockHolder() {
        return StateLock.holder(root);
    }

    @Override
    public List<String> versions() {
        return List.of(
                "libnana ABI " + LibNana.abiVersion() + " (" + NativeLibrary.locate() + ")",
                "nana-shim " + Shim.binary());
    }

    /** The folder of a container's process (execId null: its own), or NotFoundException. */
    private ProcessDir process(String id, String execId) {
        ContainerId.require(id, "container id");
        Path container = root.resolve(id);
        if (!Files.isDirectory(container.resolve(Proc.INIT))) {
            throw new NotFoundException(
                    "no container \""
                            + id
                            + "\" in "
                            + root
                            + ": nana ps lists the containers there are");
        }
        if (execId == null) return new ProcessDir(container.resolve(Proc.INIT));
        ContainerId.require(execId, "exec id");
        Path exec = container.resolve(execId);
        if (execId.equals(Proc.INIT) || !Files.isDirectory(exec)) {
            throw new NotFoundException(
                    "no exec \""
                            + execId
                            + "\" in container \""
                            + id
                            + "\": nana ps lists its execs");
        }
        return new ProcessDir(exec);
    }

    /**
     * A client's stdio path must be an absolute path to a FIFO: the shim refuses anything else, but
     * only in its own log, so the caller is told here.
     */
    private static void requireFifo(Path p, String id) {
        if (!p.isAbsolute())
            throw new InvalidArgumentException(
                    "attach to \""
                            + id
                            + "\": \""
                            + p
                            + "\" is relative: give the FIFO's full path");
        int mode;
        try {
            mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            throw new InvalidArgumentException(
                    "attach to \"" + id + "\": \"" + p + "\": " + e + " (make it with mkfifo)", e);
        }
        if ((mode & S_IFMT) != S_IFIFO)
            throw new InvalidArgumentException(
                    "attach to \""
                            + id
                            + "\": \""
                            + p
                            + "\" is not a FIFO: stdio paths must name FIFOs (mkfifo)");
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;

    /** dir, when its process runs; else FailedPreconditionException. */
    private static ProcessDir running(ProcessDir dir, String id, String what) {
        if (Files.exists(dir.exitStatusFile()) || !dir.shimAlive()) {
            throw new FailedPreconditionException(
                    "cannot "
                            + what
                            + " \""
                            + id
                            + "\": it is not running; nana logs "
                            + id
                            + " shows its output");
        }
        return dir;
    }

    /** Writes one message to the shim's control FIFO. */
    private static void control(ProcessDir dir, String id, String what, String message) {
        try (Fd control = LibNana.fifoOpenReadWrite(dir.controlFifo())) {
            LibNana.writeFully(control, message);
        } catch (OsException e) {
            throw new FailedPreconditionException(what + " \"" + id + "\": " + e.getMessage(), e);
        }
    }
}
