package dev.nana.cri.stream;

import dev.nana.ClientIo;
import dev.nana.ExecInfo;
import dev.nana.ExecSpec;
import dev.nana.ExitStatus;
import dev.nana.NanaException;
import dev.nana.Supervisor;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exec or attach streamed to a client, whatever carries it (SPDY or WebSocket): the process's
 * stdout and stderr copied to the client's channels through FIFOs whose read ends are open before
 * it starts (every byte, and the process waits while the client does not read), the client's stdin
 * and terminal sizes passed on, and at the end its exit told as a status. A client that goes away
 * takes the process with it, as the kubelet's streaming server does.
 */
final class ProcessStream {
    private static final Logger log = LoggerFactory.getLogger(ProcessStream.class);

    /**
     * What the CRI's Exec or Attach call accepted (attach: cmd is empty; stdinOnce: the attached
     * container's stdin closes with the client's).
     */
    record Request(
            String containerId,
            List<String> cmd,
            boolean tty,
            boolean stdin,
            boolean stdout,
            boolean stderr,
            boolean attach,
            boolean stdinOnce)
            implements StreamRequest {}

    /** The client's side: where output goes, and how the end is told. */
    interface Transport {
        /** Where a channel's bytes go (blocking while the client does not take them). */
        OutputStream channel(int channel);

        /** Sends the status, then ends the stream. */
        void finish(String status);
    }

    /** How long the output may take to drain once the process has exited. */
    private static final long DRAIN_MILLIS = 5000;

    private final Supervisor supervisor;
    private final ClientIo io;
    private final Request request;
    private final Transport transport;

    /** Completes with the exec's id (null: the container's own process) once it runs. */
    private final CompletableFuture<String> started = new CompletableFuture<>();

    private volatile int execPid = -1;
    private volatile ClientIo.Fifos fifos;
    private volatile OutputStream stdin;

    /** Orders a size against the start: one that comes before it is applied by it. */
    private final Object sizing = new Object();

    private volatile int[] pendingSize;
    private final CountDownLatch firstSize = new CountDownLatch(1);

    /** How long an exec with a terminal waits for the client's size before it starts without. */
    static final long FIRST_SIZE_MILLIS = 500;

    private volatile boolean done;

    ProcessStream(Supervisor supervisor, ClientIo io, Request request, Transport transport) {
        this.supervisor = supervisor;
        this.io = io;
        this.request = request;
        this.transport = transport;
    }

    /** Starts the process and its copying, on a thread of its own. */
    void start() {
        Thread.ofVirtual().name("nana-stream").start(this::run);
    }

    private void run() {
        String status;
        try {
            // a client with a terminal sends its size as soon as its streams are open: an exec
            // made with it starts sized (a shell's first prompt, or stty, sees it)
            if (request.tty() && !request.attach())
                firstSize.await(FIRST_SIZE_MILLIS, TimeUnit.MILLISECONDS);
            status = execute();
        } catch (NanaException e) {
            status = RemoteCommand.failure(e.getMessage());
        } catch (Exception e) {
            log.warn("a stream of {} failed: {}", request.containerId(), e.toString());
            status = RemoteCommand.failure(String.valueOf(e.getMessage()));
        } finally {
            done = true;
            // a process that never started: stdin and resizes waiting for it give up
            started.completeExceptionally(new IllegalStateException("it did not start"));
            ClientIo.Fifos f = fifos;
            if (f != null) f.close();
        }
        transport.finish(status);
    }

    private String execute() throws Exception {
        boolean stderr = request.stderr() && !request.tty();
        fifos =
                io.fifos(
                        "cri-stream-",
                        request.stdin(),
                        stderr,
                        request.stdout()
                                ? transport.channel(RemoteCommand.STDOUT)
                                : OutputStream.nullOutputStream(),
                        stderr ? transport.channel(RemoteCommand.STDERR) : null);
        int[] size = pendingSize;
        String execId;
        try {
            if (request.attach()) {
                supervisor.attach(request.containerId(), fifos.stdio());
                execId = null;
            } else {
                ExecInfo exec =
                        supervisor.exec(
                                request.containerId(),
                                new ExecSpec(
                                        null,
                                        request.cmd(),
                                        List.of(),
                                        null,
                                        null,
                                        request.tty(),
                                        fifos.stdio(),
                                        size == null ? 0 : size[0],
                                        size == null ? 0 : size[1]));
                execId = exec.execId();
                execPid = exec.pid();
            }
        } catch (RuntimeException e) {
            started.completeExceptionally(e);
            throw e;
        }
        if (request.stdin()) stdin = fifos.openInput();
        synchronized (sizing) {
            // a size that came meanwhile (an attach's: its first) reaches the terminal before
            // any input does: input waits for started
            int[] now = pendingSize;
            if (now != null && (request.attach() || !Arrays.equals(now, size)))
                applySize(execId, now);
            started.complete(execId);
        }
        ExitStatus exit =
                (execId == null
                                ? supervisor.waitForExit(request.containerId())
                                : supervisor.waitForExec(request.containerId(), execId))
                        .get();
        fifos.join(DRAIN_MILLIS);
        // an attach tells no exit code (kubectl attach ends with the container, as the kubelet's)
        return exit.code() == 0 || request.attach()
                ? RemoteCommand.success()
                : RemoteCommand.exited(exit.code(), request.cmd());
    }

    /**
     * Input a client may send before the process starts without being held back (it waits in order
     * for the start), so that what comes after it, its terminal's size, is read.
     */
    static final int MAX_EARLY_INPUT = 1 << 20;

    /** Whether the process runs (or failed to start): input goes straight to it. */
    boolean started() {
        return started.isDone();
    }

    /** Writes to the process's stdin; blocks while it does not read. */
    void input(byte[] data) throws IOException {
        OutputStream in = awaitStdin();
        if (in != null) in.write(data);
    }

    /**
     * The client closed its stdin: an exec's process reads end-of-file; an attached container's
     * stdin, its own, closes only if it was made with stdin_once (else it stays open for the next
     * client). The FIFO of an attach stays open until the stream ends: the shim may open it after
     * this, and bytes written to a FIFO that nobody holds open are lost.
     */
    void closeInput() {
        OutputStream in = awaitStdin();
        if (in == null) return;
        try {
            if (request.attach()) {
                if (request.stdinOnce()) supervisor.closeInput(request.containerId(), null);
                return;
            }
            in.close();
            supervisor.closeInput(request.containerId(), started.join());
        } catch (IOException | RuntimeException e) {
            // it has exited
        }
    }

    private OutputStream awaitStdin() {
        if (!request.stdin()) return null;
        try {
            started.join();
        } catch (RuntimeException e) {
            return null; // it never started: its failure is told on the error channel
        }
        return stdin;
    }

    /** The client's terminal size; before the process starts, its initial one. */
    void resize(int rows, int columns) {
        synchronized (sizing) {
            pendingSize = new int[] {rows, columns};
            firstSize.countDown();
            if (!started.isDone() || started.isCompletedExceptionally()) return;
        }
        applySize(started.join(), new int[] {rows, columns});
    }

    private void applySize(String execId, int[] size) {
        try {
            supervisor.resize(request.containerId(), execId, size[0], size[1]);
        } catch (NanaException e) {
            // it has exited
        }
    }

    /**
     * The client went away before the end: an exec goes too; an attached container runs on,
     * detached (its output goes to its log alone, and never waits for this client).
     */
    void abandon() {
        if (done) return;
        var _ =
                started.thenAccept(
                        execId -> {
                            if (done || execId == null) return;
                            try {
                                ProcessHandle.of(execPid).ifPresent(ProcessHandle::destroyForcibly);
                            } catch (RuntimeException e) {
                                // it ended meanwhile
                            }
                        });
        ClientIo.Fifos f = fifos;
        if (f != null) f.close();
    }
}
