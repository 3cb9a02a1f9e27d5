package dev.nana.cri.stream;

import io.netty.handler.codec.spdy.SpdyHeaders;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Port-forwards over SPDY ({@code portforward.k8s.io}): for each connection a client forwards, it
 * opens an error stream and a data stream with the same {@code requestid} and {@code port}; once
 * both are open, nana connects to the port inside the pod ({@link PodPort}) and copies both ways.
 * The client's FIN on data ends the pod's input; the pod's end ends both streams. A connect that
 * fails is told on the error stream, as the kubelet words it.
 */
final class SpdyPortForward implements SpdyConnection.Streams {
    static final String PROTOCOL = "portforward.k8s.io";

    /** Forwarded connections open at once on one client connection, at most. */
    static final int MAX_PAIRS = 128;

    private final StreamRequest.Ports request;
    private final Map<String, Pair> byRequest = new ConcurrentHashMap<>();
    private final Map<Integer, Pair> byStream = new ConcurrentHashMap<>();
    private volatile SpdyConnection connection;

    SpdyPortForward(StreamRequest.Ports request) {
        this.request = request;
    }

    @Override
    public void begin(SpdyConnection c) {
        connection = c;
    }

    @Override
    public boolean opened(int id, SpdyHeaders headers) {
        String type = headers.getAsString(RemoteCommand.STREAM_TYPE);
        int port = port(headers.getAsString("port"));
        if (port < 0 || !("error".equals(type) || "data".equals(type))) return false;
        String requestId = headers.getAsString("requestid");
        // clients before requestid: a data stream follows its error stream, two ids on
        if (requestId == null) requestId = Integer.toString("data".equals(type) ? id - 2 : id);
        Pair p = byRequest.get(requestId);
        if (p == null) {
            if (byRequest.size() >= MAX_PAIRS) return false;
            p = new Pair(requestId, port);
            byRequest.put(requestId, p);
        }
        if (p.port != port) return false;
        if ("error".equals(type)) {
            if (p.error != 0) return false;
            p.error = id;
        } else {
            if (p.data != 0) return false;
            p.data = id;
        }
        byStream.put(id, p);
        if (p.error != 0 && p.data != 0) {
            p.deadline.cancel(false);
            p.writer.execute(p::connect); // first: the client's data queues behind it
        }
        return true;
    }

    private static int port(String s) {
        try {
            int p = Integer.parseInt(s);
            return p > 0 && p <= 65535 ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void data(int id, byte[] data, boolean last, Runnable resume) {
        Pair p = byStream.get(id);
        if (p == null || id != p.data) {
            resume.run(); // the error stream: the client writes nothing on it, but its FIN
            return;
        }
        try {
            p.writer.execute(
                    () -> {
                        try {
                            PodPort s = p.socket;
                            if (s != null) {
                                if (data.length > 0) s.write(data);
                                if (last) s.endInput();
                            }
                        } catch (IOException e) {
                            p.end(); // the pod's side is gone
                        }
                        resume.run();
                    });
        } catch (RejectedExecutionException ended) {
            resume.run(); // that connection is over
        }
    }

    @Override
    public void reset(int id) {
        Pair p = byStream.get(id);
        if (p != null) p.end();
    }

    @Override
    public void closed() {
        for (Pair p : List.copyOf(byRequest.values())) p.end();
    }

    /** One forwarded connection: its two streams and its socket in the pod. */
    private final class Pair {
        final String requestId;
        final int port;

        /** Connects, then writes the client's bytes, in order, off the event loop. */
        final ExecutorService writer =
                Executors.newSingleThreadExecutor(
                        Thread.ofVirtual().name("nana-port-forward").factory());

        /** A pair whose second stream does not come is dropped, as the kubelet's is. */
        final ScheduledFuture<?> deadline;

        volatile int error;
        volatile int data;
        volatile PodPort socket;
        private boolean ended; // guarded by this

        Pair(String requestId, int port) {
            this.requestId = requestId;
            this.port = port;
            this.deadline =
                    connection
                            .eventLoop()
                            .schedule(
                                    this::end,
                                    SpdyRemoteCommand.STREAMS_TIMEOUT_SECONDS,
                                    TimeUnit.SECONDS);
        }

        void connect() {
            // what is told on the error stream comes after the stream's answer, which the event
            // loop writes in the task that opened it
            var _ = connection.eventLoop().submit(() -> {}).awaitUninterruptibly();
            try {
                socket = PodPort.connect(request.netns(), port);
            } catch (IOException e) {
                byte[] b = request.failure(port, e);
                try {
                    connection.send(error, b, 0, b.length);
                } catch (IOException gone) {
                    // the client went away
                }
                end();
                return;
            }
            Thread.ofVirtual()
                    .name("nana-port-forward-out")
                    .start(
                            () -> {
                                try {
                                    socket.copyTo(dataStream());
                                } catch (IOException e) {
                                    // the client or the pod went away
                                }
                                end();
                            });
        }

        private OutputStream dataStream() {
            return ((MessageSink) (b, off, len) -> connection.send(data, b, off, len)).asStream();
        }

        void end() {
            synchronized (this) {
                if (ended) return;
                ended = true;
            }
            deadline.cancel(false);
            PodPort s = socket;
            if (s != null) s.close();
            if (data != 0) {
                var _ = connection.finish(data);
                byStream.remove(data);
            }
            if (error != 0) {
                var _ = connection.finish(error);
                byStream.remove(error);
            }
            byRequest.remove(requestId);
            writer.shutdown();
        }
    }
}
