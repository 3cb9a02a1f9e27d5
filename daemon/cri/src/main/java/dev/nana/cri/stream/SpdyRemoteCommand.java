package dev.nana.cri.stream;

import dev.nana.ClientIo;
import dev.nana.Supervisor;
import io.netty.handler.codec.spdy.SpdyHeaders;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An exec or an attach over SPDY, in Kubernetes' remote-command protocol: the client opens one
 * stream per thing it wants, each named by its {@code streamtype} header (error, stdin, stdout,
 * stderr, resize), and the process starts once every stream the request asked for is open. stdin's
 * FIN is the process's end of input; resize carries JSON sizes one after the other; at the end the
 * error stream carries the status (v4: the Status JSON with the exit code; older versions: a
 * failure's message alone), every stream is ended, then the connection.
 */
final class SpdyRemoteCommand implements SpdyConnection.Streams, ProcessStream.Transport {
    /** How long the client has to open its streams, as the kubelet's streamCreationTimeout. */
    static final long STREAMS_TIMEOUT_SECONDS = 30;

    private final String protocol;
    private final ProcessStream.Request request;
    private final ProcessStream process;

    /** Writes to the process's stdin, in order, off the event loop (they block). */
    private final ExecutorService stdin =
            Executors.newSingleThreadExecutor(Thread.ofVirtual().name("nana-spdy-stdin").factory());

    /** Passes the terminal's sizes on, in order, beside stdin (never behind a blocked write). */
    private final ExecutorService resizes =
            Executors.newSingleThreadExecutor(
                    Thread.ofVirtual().name("nana-spdy-resize").factory());

    private final StringBuilder sizes = new StringBuilder();
    private volatile SpdyConnection connection;
    private volatile ScheduledFuture<?> deadline;
    private volatile int error;
    private volatile int input;
    private volatile int output;
    private volatile int errors;
    private volatile int resize;
    private boolean started; // on the event loop only

    SpdyRemoteCommand(
            String protocol, ProcessStream.Request request, Supervisor supervisor, ClientIo io) {
        this.protocol = protocol;
        this.request = request;
        this.process = new ProcessStream(supervisor, io, request, this);
    }

    @Override
    public void begin(SpdyConnection c) {
        connection = c;
        deadline =
                c.eventLoop()
                        .schedule(
                                () -> {
                                    if (!started) c.close();
                                },
                                STREAMS_TIMEOUT_SECONDS,
                                TimeUnit.SECONDS);
    }

    @Override
    public boolean opened(int id, SpdyHeaders headers) {
        if (started) return false;
        switch (headers.getAsString(RemoteCommand.STREAM_TYPE)) {
            case "error" -> error = claim(error, id);
            case "stdin" -> input = request.stdin() ? claim(input, id) : -1;
            case "stdout" -> output = request.stdout() ? claim(output, id) : -1;
            case "stderr" -> errors = wantsStderr() ? claim(errors, id) : -1;
            case "resize" -> resize = wantsResize() ? claim(resize, id) : -1;
            case null, default -> {
                return false;
            }
        }
        if (error < 0 || input < 0 || output < 0 || errors < 0 || resize < 0) {
            connection.close(); // a stream the request did not ask for, or one twice
            return false;
        }
        if (error > 0
                && (input > 0 || !request.stdin())
                && (output > 0 || !request.stdout())
                && (errors > 0 || !wantsStderr())
                && (resize > 0 || !wantsResize())) {
            started = true;
            deadline.cancel(false);
            // after this stream's answer, which the connection writes on return
            connection.eventLoop().execute(process::start);
        }
        return true;
    }

    private static int claim(int have, int id) {
        return have == 0 ? id : -1;
    }

    private boolean wantsStderr() {
        return request.stderr() && !request.tty();
    }

    private boolean wantsResize() {
        return request.tty()
                && !protocol.equals(RemoteCommand.V2)
                && !protocol.equals(RemoteCommand.V1);
    }

    @Override
    public void data(int id, byte[] data, boolean last, Runnable resume) {
        if (id == input) {
            // input that comes before the process starts is queued, up to a bound, without
            // holding the client back: the terminal size that follows it must reach the start
            boolean early =
                    !process.started() && early(data.length) <= ProcessStream.MAX_EARLY_INPUT;
            toProcess(
                    stdin,
                    () -> {
                        try {
                            if (data.length > 0) process.input(data);
                        } catch (IOException e) {
                            // the process is gone: its end is told on the error stream
                        }
                        if (last) process.closeInput();
                        if (!early) resume.run();
                    },
                    resume);
            if (early) resume.run();
        } else if (id == resize) {
            for (int[] size : RemoteCommand.sizes(sizes, data))
                toProcess(resizes, () -> process.resize(size[0], size[1]), () -> {});
            resume.run();
        } else resume.run(); // the client writes nothing else
    }

    private long earlyBytes; // on the event loop only

    private long early(int bytes) {
        return earlyBytes += bytes;
    }

    /** Runs task in order with those before it; once the stream is over, only resume. */
    private static void toProcess(ExecutorService in, Runnable task, Runnable resume) {
        try {
            in.execute(task);
        } catch (RejectedExecutionException over) {
            resume.run();
        }
    }

    @Override
    public void reset(int id) {
        if (id == input) toProcess(stdin, process::closeInput, () -> {});
    }

    @Override
    public void closed() {
        ScheduledFuture<?> d = deadline;
        if (d != null) d.cancel(false);
        process.abandon();
        stdin.shutdown();
        resizes.shutdown();
    }

    @Override
    public OutputStream channel(int channel) {
        int id = channel == RemoteCommand.STDERR ? errors : output;
        return ((MessageSink) (b, off, len) -> connection.send(id, b, off, len)).asStream();
    }

    @Override
    public void finish(String status) {
        SpdyConnection c = connection;
        if (output > 0) {
            var _ = c.finish(output);
        }
        if (errors > 0) {
            var _ = c.finish(errors);
        }
        String said =
                protocol.equals(RemoteCommand.V4) ? status : RemoteCommand.failureMessage(status);
        try {
            if (said != null) {
                byte[] b = said.getBytes(StandardCharsets.UTF_8);
                c.send(error, b, 0, b.length);
            }
        } catch (IOException e) {
            // the client is gone
        }
        var _ = c.finish(error);
        c.close();
        stdin.shutdown();
        resizes.shutdown();
    }
}
