package dev.nana.daemon;

import com.google.protobuf.ByteString;
import dev.nana.EventSubscriber;
import dev.nana.ExecHandle;
import dev.nana.FailedPreconditionException;
import dev.nana.OutputGapException;
import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.grpc.Convert;
import dev.nana.grpc.Statuses;
import dev.nana.grpc.v1.AttachRequest;
import dev.nana.grpc.v1.AttachResponse;
import dev.nana.grpc.v1.CheckpointRequest;
import dev.nana.grpc.v1.CheckpointResponse;
import dev.nana.grpc.v1.CloseInputRequest;
import dev.nana.grpc.v1.CloseInputResponse;
import dev.nana.grpc.v1.Container;
import dev.nana.grpc.v1.ContainerStats;
import dev.nana.grpc.v1.ContainersGrpc;
import dev.nana.grpc.v1.CreateRequest;
import dev.nana.grpc.v1.DeleteRequest;
import dev.nana.grpc.v1.DeleteResponse;
import dev.nana.grpc.v1.Event;
import dev.nana.grpc.v1.EventsRequest;
import dev.nana.grpc.v1.ExecRequest;
import dev.nana.grpc.v1.ExecResponse;
import dev.nana.grpc.v1.ExecStreamRequest;
import dev.nana.grpc.v1.ExecStreamResponse;
import dev.nana.grpc.v1.ExitStatus;
import dev.nana.grpc.v1.GetRequest;
import dev.nana.grpc.v1.InputChunk;
import dev.nana.grpc.v1.InputResponse;
import dev.nana.grpc.v1.KillRequest;
import dev.nana.grpc.v1.KillResponse;
import dev.nana.grpc.v1.ListRequest;
import dev.nana.grpc.v1.ListResponse;
import dev.nana.grpc.v1.OutputChunk;
import dev.nana.grpc.v1.OutputRequest;
import dev.nana.grpc.v1.PauseRequest;
import dev.nana.grpc.v1.ResizeRequest;
import dev.nana.grpc.v1.ResizeResponse;
import dev.nana.grpc.v1.RestoreRequest;
import dev.nana.grpc.v1.ResumeRequest;
import dev.nana.grpc.v1.StartRequest;
import dev.nana.grpc.v1.StatsRequest;
import dev.nana.grpc.v1.UpdateRequest;
import dev.nana.grpc.v1.WaitExecRequest;
import dev.nana.grpc.v1.WaitRequest;
import dev.nana.supervisor.HeapBudget;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** nana.v1.Containers over a {@link Supervisor}: each call is one Supervisor call. */
final class ContainersService extends ContainersGrpc.ContainersImplBase {
    private final Supervisor supervisor;
    private final OpenStreams streams = new OpenStreams();

    ContainersService(Supervisor supervisor) {
        this.supervisor = supervisor;
    }

    private static <T> void reply(StreamObserver<T> out, Supplier<T> call) {
        T value;
        try {
            value = call.get();
        } catch (RuntimeException e) {
            out.onError(Statuses.toStatus(e));
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }

    @Override
    public void create(CreateRequest r, StreamObserver<Container> out) {
        reply(out, () -> Convert.toProto(supervisor.create(Convert.fromProto(r))));
    }

    @Override
    public void start(StartRequest r, StreamObserver<Container> out) {
        reply(out, () -> Convert.toProto(supervisor.start(r.getId())));
    }

    @Override
    public void run(CreateRequest r, StreamObserver<Container> out) {
        reply(out, () -> Convert.toProto(supervisor.run(Convert.fromProto(r))));
    }

    @Override
    public void update(UpdateRequest r, StreamObserver<Container> out) {
        reply(out, () -> Convert.toProto(supervisor.update(r.getId(), Convert.fromProto(r))));
    }

    @Override
    public void stats(StatsRequest r, StreamObserver<ContainerStats> out) {
        reply(out, () -> Convert.toProto(supervisor.stats(r.getId())));
    }

    @Override
    public void checkpoint(CheckpointRequest r, StreamObserver<CheckpointResponse> out) {
        reply(
                out,
                () -> {
                    supervisor.checkpoint(
                            r.getId(),
                            Path.of(r.getImagePath()),
                            r.getLeaveRunning(),
                            r.getCriu().isEmpty() ? null : Path.of(r.getCriu()));
                    return CheckpointResponse.getDefaultInstance();
                });
    }

    @Override
    public void restore(RestoreRequest r, StreamObserver<Container> out) {
        reply(
                out,
                () ->
                        Convert.toProto(
                                supervisor.restore(
                                        Convert.fromProto(r.getContainer()),
                                        Path.of(r.getImagePath()),
                                        r.getCriu().isEmpty() ? null : Path.of(r.getCriu()))));
    }

    @Override
    public void exec(ExecRequest r, StreamObserver<ExecResponse> out) {
        reply(
                out,
                () -> {
                    dev.nana.ExecInfo e = supervisor.exec(r.getId(), Convert.fromProto(r));
                    return ExecResponse.newBuilder()
                            .setId(e.id())
                            .setExecId(e.execId())
                            .setPid(e.pid())
                            .build();
                });
    }

    @Override
    public void waitExec(WaitExecRequest r, StreamObserver<ExitStatus> out) {
        answer(supervisor.waitForExec(r.getId(), r.getExecId()), out);
    }

    @Override
    public void pause(PauseRequest r, StreamObserver<Container> out) {
        reply(out, () -> Convert.toProto(supervisor.pause(r.getId())));
    }

    @Override
    public void resume(ResumeRequest r, StreamObserver<Container> out) {
        reply(out, () -> Convert.toProto(supervisor.resume(r.getId())));
    }

    @Override
    public void attach(AttachRequest r, StreamObserver<AttachResponse> out) {
        reply(
                out,
                () -> {
                    supervisor.attach(r.getId(), Convert.fromProto(r.getStdio()));
                    return AttachResponse.getDefaultInstance();
                });
    }

    @Override
    public void resize(ResizeRequest r, StreamObserver<ResizeResponse> out) {
        reply(
                out,
                () -> {
                    supervisor.resize(
                            r.getId(), execId(r.getExecId()), r.getRows(), r.getColumns());
                    return ResizeResponse.getDefaultInstance();
                });
    }

    @Override
    public void closeInput(CloseInputRequest r, StreamObserver<CloseInputResponse> out) {
        reply(
                out,
                () -> {
                    supervisor.closeInput(r.getId(), execId(r.getExecId()));
                    return CloseInputResponse.getDefaultInstance();
                });
    }

    /** The container's own process for an empty exec id. */
    private static String execId(String s) {
        return s.isEmpty() ? null : s;
    }

    @Override
    public void kill(KillRequest r, StreamObserver<KillResponse> out) {
        reply(
                out,
                () -> {
                    supervisor.kill(r.getId(), r.getSignal(), r.getAll());
                    return KillResponse.getDefaultInstance();
                });
    }

    @Override
    public void delete(DeleteRequest r, StreamObserver<DeleteResponse> out) {
        reply(
                out,
                () -> {
                    supervisor.delete(r.getId(), r.getForce());
                    return DeleteResponse.getDefaultInstance();
                });
    }

    @Override
    public void list(ListRequest r, StreamObserver<ListResponse> out) {
        reply(
                out,
                () ->
                        ListResponse.newBuilder()
                                .addAllContainers(
                                        supervisor.list().stream().map(Convert::toProto).toList())
                                .build());
    }

    @Override
    public void get(GetRequest r, StreamObserver<Container> out) {
        reply(out, () -> Convert.toProto(supervisor.state(r.getId())));
    }

    @Override
    public void wait(WaitRequest r, StreamObserver<ExitStatus> out) {
        answer(supervisor.waitForExit(r.getId()), out);
    }

    private void answer(
            CompletableFuture<dev.nana.ExitStatus> future, StreamObserver<ExitStatus> out) {
        OpenStreams.Guarded<ExitStatus> stream = streams.open(out);
        ((ServerCallStreamObserver<ExitStatus>) out).setOnCancelHandler(stream::forget);
        var _ =
                future.whenComplete( // the answer goes to out: nothing waits on this one
                        (exit, error) -> {
                            if (error != null) {
                                Throwable cause =
                                        error instanceof CompletionException
                                                ? error.getCause()
                                                : error;
                                stream.fail(
                                        Statuses.toStatus(
                                                cause instanceof RuntimeException re
                                                        ? re
                                                        : new RuntimeException(cause)));
                            } else if (stream.next(Convert.toProto(exit))) {
                                stream.complete();
                            }
                        });
    }

    /**
     * Ends every call that stays open (event streams, output, waits, input) with "the daemon is
     * stopping", so that stopping does not wait for them; clients of nana-client subscribe and wait
     * again once a daemon answers.
     */
    void stopping() {
        streams.stopAll();
    }

    @Override
    public void events(EventsRequest r, StreamObserver<Event> out) {
        ServerCallStreamObserver<Event> call = (ServerCallStreamObserver<Event>) out;
        Instant since = r.hasSince() ? Convert.instant(r.getSince()) : null;
        // gRPC flow control: an event is sent only when the client has room for it. Until then
        // the subscriber waits, its bounded queue overflows, and it catches up from the journal
        // when the client reads again (no gap, no duplicate): a client that never reads costs
        // a parked virtual thread and a bounded queue, never a growing buffer in the server.
        Ready ready = new Ready(call);
        OpenStreams.Guarded<Event> stream = streams.open(out);
        EventSubscriber listener =
                new EventSubscriber() {
                    @Override
                    public void onEvent(dev.nana.Event e) {
                        send(Convert.toProto(e));
                    }

                    @Override
                    public void onFellBehind(Instant lostFrom) {
                        send(
                                Event.newBuilder()
                                        .setFellBehindFrom(Convert.timestamp(lostFrom))
                                        .build());
                    }

                    private void send(Event e) {
                        if (ready.await()) stream.next(e);
                    }
                };
        try {
            var subscription = supervisor.subscribe(Convert.filter(r), since, listener);
            call.setOnCancelHandler(
                    () -> {
                        stream.forget();
                        subscription.close();
                    });
        } catch (RuntimeException e) {
            stream.fail(Statuses.toStatus(e));
        }
    }

    @Override
    public void output(OutputRequest r, StreamObserver<OutputChunk> out) {
        ServerCallStreamObserver<OutputChunk> call = (ServerCallStreamObserver<OutputChunk>) out;
        if (outputs.incrementAndGet() > MAX_OUTPUT_STREAMS) {
            outputs.decrementAndGet();
            out.onError(
                    Status.RESOURCE_EXHAUSTED
                            .withDescription(
                                    "the nana daemon serves "
                                            + MAX_OUTPUT_STREAMS
                                            + " output streams at once, its most: close some (a"
                                            + " reader that stops reading holds its stream)")
                            .asRuntimeException());
            return;
        }
        InputStream output;
        HeapBudget.Share share;
        try {
            share = HeapBudget.PROCESS.takeLasting(OUTPUT_STREAM_BYTES, "an output stream");
        } catch (RuntimeException e) {
            outputs.decrementAndGet();
            out.onError(Statuses.toStatus(e));
            return;
        }
        try {
            output =
                    r.getAttach()
                            ? supervisor.attachOutput(r.getId())
                            : supervisor.output(r.getId());
        } catch (RuntimeException e) {
            share.close();
            outputs.decrementAndGet();
            out.onError(Statuses.toStatus(e));
            return;
        }
        Ready ready = new Ready(call);
        OpenStreams.Guarded<OutputChunk> stream = streams.open(out);
        if (r.getAttach()) stream.next(OutputChunk.newBuilder().setAttached(true).build());
        // a virtual thread per reader: following the log sleeps between reads, and a client
        // that stops reading parks it (flow control), never a buffer in the server
        Thread sender =
                Thread.ofVirtual()
                        .name("nana-output-" + r.getId())
                        .start(
                                () -> {
                                    byte[] buf = new byte[OUTPUT_CHUNK];
                                    try (InputStream in = output;
                                            HeapBudget.Share _ = share;
                                            Released _ = outputs::decrementAndGet) {
                                        while (true) {
                                            OutputChunk.Builder chunk = OutputChunk.newBuilder();
                                            int n;
                                            try {
                                                n = in.read(buf);
                                            } catch (OutputGapException gap) {
                                                chunk.setDropped(gap.droppedBytes());
                                                n = 0;
                                            }
                                            if (n < 0) break;
                                            chunk.setData(ByteString.copyFrom(buf, 0, n));
                                            if (!ready.await() || !stream.next(chunk.build()))
                                                return;
                                        }
                                        stream.complete();
                                    } catch (IOException e) {
                                        stream.fail(
                                                Statuses.toStatus(
                                                        new UnavailableException(
                                                                "read the output of \""
                                                                        + r.getId()
                                                                        + "\": "
                                                                        + e.getMessage(),
                                                                e)));
                                    }
                                });
        call.setOnCancelHandler(
                () -> {
                    stream.forget();
                    sender.interrupt();
                    // an attached reader lets go of its FIFO at once: the container runs on
                    if (r.getAttach()) closeQuietly(output);
                });
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // it only lets go
        }
    }

    @Override
    public StreamObserver<InputChunk> input(StreamObserver<InputResponse> out) {
        // runs on the call's (virtual) thread: a write waits (sleeping, never pinning its carrier)
        // while the container does not read, and gRPC asks the client for the next message only
        // once it returns
        OpenStreams.Guarded<InputResponse> stream = streams.open(out);
        return new StreamObserver<>() {
            private OutputStream stdin;
            private boolean failed;

            @Override
            public void onNext(InputChunk c) {
                if (failed) return;
                try {
                    if (stdin == null) {
                        OutputStream opened = supervisor.input(c.getId());
                        stdin = opened;
                        // a write waiting for a container that does not read ends when the call
                        // is cancelled: cancellation comes on the transport's thread, not after
                        // this onNext as onError does
                        Context.current()
                                .addListener(
                                        _ -> {
                                            try {
                                                opened.close();
                                            } catch (IOException e) {
                                                // the container is gone
                                            }
                                        },
                                        Runnable::run);
                        stream.next(InputResponse.newBuilder().setOpened(true).build());
                    }
                    if (!c.getData().isEmpty()) c.getData().writeTo(stdin);
                } catch (RuntimeException e) {
                    fail(e);
                } catch (IOException e) {
                    // the message names the container (the first chunk's id; later ones have
                    // none): "the input of container "web" is closed: its process no longer..."
                    fail(new FailedPreconditionException(e.getMessage(), e));
                }
            }

            private void fail(RuntimeException e) {
                failed = true;
                closeQuietly();
                stream.fail(Statuses.toStatus(e));
            }

            @Override
            public void onError(Throwable t) {
                stream.forget();
                closeQuietly(); // the client went: its stdin ends, as a closed pipe would
            }

            @Override
            public void onCompleted() {
                if (failed) return;
                closeQuietly();
                stream.complete();
            }

            private void closeQuietly() {
                try {
                    if (stdin != null) stdin.close();
                } catch (IOException e) {
                    // the container is gone
                }
            }
        };
    }

    @Override
    public StreamObserver<ExecStreamRequest> execStream(StreamObserver<ExecStreamResponse> out) {
        // runs on the call's (virtual) thread, as input does: a write to a process that does not
        // read waits, and gRPC asks the client for its next message only once it returns
        ServerCallStreamObserver<ExecStreamResponse> call =
                (ServerCallStreamObserver<ExecStreamResponse>) out;
        OpenStreams.Guarded<ExecStreamResponse> stream = streams.open(out);
        Ready ready = new Ready(call); // its handler can only be set before this returns
        return new StreamObserver<>() {
            private ExecHandle exec;
            private boolean failed;

            @Override
            public void onNext(ExecStreamRequest m) {
                if (failed) return;
                try {
                    switch (m.getMessageCase()) {
                        case START -> start(m.getStart());
                        case INPUT -> started().input().write(m.getInput().toByteArray());
                        case CLOSE_INPUT -> started().input().close();
                        default ->
                                throw new dev.nana.InvalidArgumentException(
                                        "an exec stream's message is start, input or close_input");
                    }
                } catch (RuntimeException e) {
                    fail(e);
                } catch (IOException e) {
                    fail(new FailedPreconditionException(e.getMessage(), e));
                }
            }

            private ExecHandle started() {
                if (exec == null)
                    throw new dev.nana.InvalidArgumentException(
                            "an exec stream starts with its process (start), before any input");
                return exec;
            }

            private void start(ExecRequest r) {
                if (exec != null)
                    throw new dev.nana.InvalidArgumentException(
                            "an exec stream runs one process: start comes once, first");
                if (outputs.incrementAndGet() > MAX_OUTPUT_STREAMS) {
                    outputs.decrementAndGet();
                    throw new dev.nana.UnavailableException(
                            "the nana daemon serves "
                                    + MAX_OUTPUT_STREAMS
                                    + " output streams at once, its most: close some (a reader"
                                    + " that stops reading holds its stream)");
                }
                HeapBudget.Share share;
                try {
                    // two senders, each with a chunk in hand and one in flight
                    share =
                            HeapBudget.PROCESS.takeLasting(
                                    2 * OUTPUT_STREAM_BYTES, "an exec stream");
                } catch (RuntimeException e) {
                    outputs.decrementAndGet();
                    throw e;
                }
                ExecHandle started;
                try {
                    started = supervisor.launch(r.getId(), Convert.fromProto(r));
                } catch (RuntimeException e) {
                    share.close();
                    outputs.decrementAndGet();
                    throw e;
                }
                exec = started;
                // the client went: let go of the process's streams (it runs on into its log)
                Context.current().addListener(_ -> started.close(), Runnable::run);
                stream.next(
                        ExecStreamResponse.newBuilder()
                                .setStarted(
                                        ExecResponse.newBuilder()
                                                .setId(r.getId())
                                                .setExecId(started.execId())
                                                .setPid((int) started.pid()))
                                .build());
                Thread err = sendError(started.error(), ready, stream, r.getId(), started.execId());
                Thread.ofVirtual()
                        .name("nana-exec-" + r.getId())
                        .start(
                                () -> {
                                    try (HeapBudget.Share _ = share;
                                            Released _ = outputs::decrementAndGet) {
                                        copy(started.output(), ready, stream, false);
                                        err.join();
                                        dev.nana.ExitStatus status = started.onExit().join();
                                        stream.next(
                                                ExecStreamResponse.newBuilder()
                                                        .setExit(Convert.toProto(status))
                                                        .build());
                                        stream.complete();
                                    } catch (IOException | RuntimeException e) {
                                        stream.fail(Statuses.toStatus(unavailable(r, started, e)));
                                    } catch (InterruptedException e) {
                                        stream.forget();
                                    } finally {
                                        started.close();
                                    }
                                });
            }

            private void fail(RuntimeException e) {
                failed = true;
                if (exec != null) exec.close();
                stream.fail(Statuses.toStatus(e));
            }

            @Override
            public void onError(Throwable t) {
                stream.forget();
                if (exec != null) exec.close(); // the client went: its stdin ends, as a pipe's
            }

            @Override
            public void onCompleted() {
                // the client sends nothing more: its stdin ends; the stream ends with its exit
                if (failed || exec == null) return;
                try {
                    exec.input().close();
                } catch (IOException e) {
                    // it has exited
                }
            }
        };
    }

    /** The sender of an exec's stderr, on a thread of its own (its stdout's is the caller's). */
    private static Thread sendError(
            InputStream in,
            Ready ready,
            OpenStreams.Guarded<ExecStreamResponse> stream,
            String id,
            String execId) {
        return Thread.ofVirtual()
                .name("nana-exec-err-" + id)
                .start(
                        () -> {
                            try {
                                copy(in, ready, stream, true);
                            } catch (IOException e) {
                                stream.fail(
                                        Statuses.toStatus(
                                                new dev.nana.UnavailableException(
                                                        "read the stderr of exec "
                                                                + execId
                                                                + " of \""
                                                                + id
                                                                + "\": "
                                                                + e.getMessage(),
                                                        e)));
                            }
                        });
    }

    /** Copies one of an exec's outputs into the stream, a chunk when the client has room. */
    private static void copy(
            InputStream in,
            Ready ready,
            OpenStreams.Guarded<ExecStreamResponse> stream,
            boolean error)
            throws IOException {
        byte[] buf = new byte[OUTPUT_CHUNK];
        for (int n; (n = in.read(buf)) >= 0; ) {
            if (n == 0) continue;
            ByteString data = ByteString.copyFrom(buf, 0, n);
            ExecStreamResponse.Builder m = ExecStreamResponse.newBuilder();
            if (error) m.setError(data);
            else m.setOutput(data);
            if (!ready.await() || !stream.next(m.build())) return;
        }
    }

    private static RuntimeException unavailable(ExecRequest r, ExecHandle exec, Exception e) {
        if (e instanceof RuntimeException re
                && !(e instanceof java.util.concurrent.CompletionException)) return re;
        Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
        if (cause instanceof RuntimeException re) return re;
        return new dev.nana.UnavailableException(
                "exec " + exec.execId() + " of \"" + r.getId() + "\": " + cause.getMessage(), e);
    }

    /** Bytes per output message: big enough to be cheap, small beside gRPC's 4 MiB limit. */
    private static final int OUTPUT_CHUNK = 16 * 1024;

    /**
     * Output streams open at once: each holds a thread, a chunk in hand and one in flight (flow
     * control sends the next only once the client took it), ~40 KiB, 5 MiB for all of them.
     */
    static final int MAX_OUTPUT_STREAMS = 128;

    /** What an output stream holds: its thread, a chunk in hand and one in flight. */
    static final long OUTPUT_STREAM_BYTES = 40 << 10;

    private final AtomicInteger outputs = new AtomicInteger();

    /** Something undone at the end of a try block, that throws nothing. */
    private interface Released extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * gRPC flow control for a server stream: a message is sent only when the client has room for
     * it; until then its sender waits.
     */
    private static final class Ready {
        private final ServerCallStreamObserver<?> call;

        Ready(ServerCallStreamObserver<?> call) {
            this.call = call;
            call.setOnReadyHandler(
                    () -> {
                        synchronized (this) {
                            notifyAll();
                        }
                    });
        }

        /** Waits until the client has room: false when the call is cancelled meanwhile. */
        synchronized boolean await() {
            while (!call.isReady() && !call.isCancelled()) {
                try {
                    wait(200);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return !call.isCancelled();
        }
    }
}
