package dev.nana.client;

import com.google.protobuf.ByteString;
import dev.nana.ExecInfo;
import dev.nana.ExitStatus;
import dev.nana.UnavailableException;
import dev.nana.grpc.Convert;
import dev.nana.grpc.v1.ContainersGrpc;
import dev.nana.grpc.v1.ExecRequest;
import dev.nana.grpc.v1.ExecStreamRequest;
import dev.nana.grpc.v1.ExecStreamResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * An exec's stdio over the daemon's ExecStream: its stdout and stderr as two InputStreams, its
 * stdin as an OutputStream, and its exit. One message is asked for at a time, and the next only
 * while neither stream holds more than {@value #HELD} bytes its reader has not taken: a process
 * whose output is not read waits, as with a pipe (of about that size), and nothing piles up here.
 */
final class RemoteExec {
    /** What each of stdout and stderr may hold unread before the daemon is asked for no more. */
    static final int HELD = 64 << 10;

    private final String id;
    private final Function<StatusRuntimeException, RuntimeException> translate;
    private final CompletableFuture<ExecInfo> started = new CompletableFuture<>();
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final Object lock = new Object();
    private final Chunks out = new Chunks("stdout");
    private final Chunks err = new Chunks("stderr");
    private final Object ready = new Object();
    private ClientCallStreamObserver<ExecStreamRequest> call;
    private boolean asked; // a message is asked for and not yet here
    private volatile Throwable failed;

    RemoteExec(
            ContainersGrpc.ContainersStub stub,
            String id,
            ExecRequest start,
            Function<StatusRuntimeException, RuntimeException> translate) {
        this.id = id;
        this.translate = translate;
        var _ =
                stub.execStream(
                        new ClientResponseObserver<ExecStreamRequest, ExecStreamResponse>() {
                            @Override
                            public void beforeStart(ClientCallStreamObserver<ExecStreamRequest> c) {
                                call = c;
                                c.disableAutoRequestWithInitial(1);
                                c.setOnReadyHandler(RemoteExec.this::wake);
                                asked = true;
                            }

                            @Override
                            public void onNext(ExecStreamResponse m) {
                                arrived(m);
                            }

                            @Override
                            public void onError(Throwable t) {
                                ended(t);
                            }

                            @Override
                            public void onCompleted() {
                                ended(null);
                            }
                        });
        send(ExecStreamRequest.newBuilder().setStart(start).build());
    }

    /** Waits until the daemon says the process runs; throws what it said instead. */
    ExecInfo awaitStarted() {
        try {
            return started.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StatusRuntimeException s
                    ? translate.apply(s)
                    : new UnavailableException(
                            "launch an exec in \"" + id + "\": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            call.cancel("interrupted", e);
            Thread.currentThread().interrupt();
            throw new CancellationException(
                    "interrupted while launching an exec in \"" + id + "\"");
        }
    }

    /** Completes with the exit the stream ended with; fails when it ended without one. */
    CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    InputStream output() {
        return out;
    }

    InputStream error() {
        return err;
    }

    OutputStream input() {
        return new Input();
    }

    /** Lets go of the process (the daemon's end lets go of its streams; it runs on). */
    void cancel() {
        call.cancel("the exec's handle was closed", null);
    }

    private void arrived(ExecStreamResponse m) {
        synchronized (lock) {
            asked = false;
            switch (m.getMessageCase()) {
                case STARTED ->
                        started.complete(
                                new ExecInfo(
                                        m.getStarted().getId(),
                                        m.getStarted().getExecId(),
                                        m.getStarted().getPid()));
                case OUTPUT -> out.add(m.getOutput());
                case ERROR -> err.add(m.getError());
                case EXIT -> exit.complete(Convert.fromProto(m.getExit()));
                default -> {}
            }
            askIfRoom();
        }
    }

    private void ended(Throwable t) {
        synchronized (lock) {
            failed = t;
            out.end();
            err.end();
        }
        if (t == null) {
            if (!started.isDone())
                started.completeExceptionally(
                        new IllegalStateException("the daemon ended the exec stream at once"));
            if (!exit.isDone())
                exit.completeExceptionally(
                        new UnavailableException(
                                "the daemon ended the exec stream of \""
                                        + id
                                        + "\" without its exit"));
        } else {
            started.completeExceptionally(t);
            exit.completeExceptionally(t);
        }
        wake();
    }

    /** Asks for the next message while both streams have room (the lock held). */
    private void askIfRoom() {
        if (asked || failed != null || (out.ended && err.ended)) return;
        if (out.held >= HELD || err.held >= HELD) return;
        asked = true;
        call.request(1);
    }

    private void send(ExecStreamRequest m) {
        synchronized (ready) {
            call.onNext(m);
        }
    }

    private void wake() {
        synchronized (ready) {
            ready.notifyAll();
        }
    }

    private IOException failure(String what) {
        Throwable t = failed;
        RuntimeException r =
                t instanceof StatusRuntimeException s
                        ? translate.apply(s)
                        : new UnavailableException(what + ": " + t, t);
        return new IOException(r.getMessage(), r);
    }

    /** One of the exec's outputs: the chunks that arrived and are not read yet. */
    private final class Chunks extends InputStream {
        private final String name;
        private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
        private byte[] chunk = new byte[0];
        private int pos;
        int held; // bytes arrived and not read (the lock held)
        boolean ended; // no more will arrive (the lock held)
        private boolean closed; // its reader went: what arrives is dropped (the lock held)

        Chunks(String name) {
            this.name = name;
        }

        /** The lock held. */
        void add(ByteString data) {
            if (closed || data.isEmpty()) return;
            chunks.add(data.toByteArray());
            held += data.size();
            lock.notifyAll();
        }

        /** The lock held. */
        void end() {
            ended = true;
            lock.notifyAll();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            synchronized (lock) {
                while (pos == chunk.length) {
                    if (closed) return -1;
                    byte[] next = chunks.poll();
                    if (next == null && ended) {
                        if (failed != null)
                            throw failure("read the " + name + " of an exec in \"" + id + "\"");
                        return -1;
                    }
                    if (next == null) {
                        try {
                            lock.wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException(
                                    "interrupted while reading the " + name + " of an exec");
                        }
                        continue;
                    }
                    chunk = next;
                    pos = 0;
                }
                int n = Math.min(len, chunk.length - pos);
                System.arraycopy(chunk, pos, b, off, n);
                pos += n;
                held -= n;
                askIfRoom();
                return n;
            }
        }

        @Override
        public void close() {
            synchronized (lock) {
                if (closed) return;
                closed = true;
                // what it held is dropped, and what comes is: the other stream goes on
                chunks.clear();
                held = 0;
                chunk = new byte[0];
                pos = 0;
                askIfRoom();
                lock.notifyAll();
            }
        }
    }

    /** The exec's stdin: each write waits while gRPC's flow control says the daemon has no room. */
    private final class Input extends OutputStream {
        private boolean closed;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (closed) throw new IOException("the input of an exec in \"" + id + "\" is closed");
            synchronized (ready) {
                while (!call.isReady() && !exit.isDone() && failed == null) {
                    try {
                        ready.wait(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException(
                                "interrupted writing to an exec in \"" + id + "\"");
                    }
                }
                if (failed != null) throw failure("write to an exec in \"" + id + "\"");
                if (exit.isDone())
                    throw new IOException(
                            "the input of an exec in \"" + id + "\" is closed: it has exited");
                call.onNext(
                        ExecStreamRequest.newBuilder()
                                .setInput(ByteString.copyFrom(b, off, len))
                                .build());
            }
        }

        /** Gives the process end-of-file, after what was written. */
        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            if (failed != null || exit.isDone()) return;
            send(ExecStreamRequest.newBuilder().setCloseInput(true).build());
        }
    }
}
