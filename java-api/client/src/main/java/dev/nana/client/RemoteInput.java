package dev.nana.client;

import com.google.protobuf.ByteString;
import dev.nana.grpc.v1.ContainersGrpc;
import dev.nana.grpc.v1.InputChunk;
import dev.nana.grpc.v1.InputResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * A container's stdin through the daemon's Input stream. It is opened before the constructor
 * returns (so a container without input fails there, as in-process); a write waits while gRPC's
 * flow control says the daemon has no room; close() returns once the daemon closed the stdin.
 */
final class RemoteInput extends OutputStream {
    private final String id;
    private final Function<StatusRuntimeException, RuntimeException> translate;
    private final CompletableFuture<Void> opened = new CompletableFuture<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Object ready = new Object();
    private ClientCallStreamObserver<InputChunk> call;
    private boolean closed;

    RemoteInput(
            ContainersGrpc.ContainersStub stub,
            String id,
            Function<StatusRuntimeException, RuntimeException> translate) {
        this.id = id;
        this.translate = translate;
        var _ =
                stub.input(
                        new ClientResponseObserver<InputChunk, InputResponse>() {
                            @Override
                            public void beforeStart(ClientCallStreamObserver<InputChunk> c) {
                                call = c;
                                c.setOnReadyHandler(RemoteInput.this::wake);
                            }

                            @Override
                            public void onNext(InputResponse r) {
                                opened.complete(null);
                            }

                            @Override
                            public void onError(Throwable t) {
                                opened.completeExceptionally(t);
                                done.completeExceptionally(t);
                                wake();
                            }

                            @Override
                            public void onCompleted() {
                                opened.complete(null);
                                done.complete(null);
                                wake();
                            }
                        });
        call.onNext(InputChunk.newBuilder().setId(id).build());
        try {
            opened.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StatusRuntimeException s
                    ? translate.apply(s)
                    : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            call.cancel("interrupted", e);
            Thread.currentThread().interrupt();
            throw new CancellationException(
                    "interrupted while opening the input of \"" + id + "\"");
        }
    }

    private void wake() {
        synchronized (ready) {
            ready.notifyAll();
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (closed) throw new IOException("the input of \"" + id + "\" is closed");
        synchronized (ready) {
            while (!call.isReady() && !done.isDone()) {
                try {
                    ready.wait(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted writing to \"" + id + "\"");
                }
            }
        }
        failIfDone();
        call.onNext(InputChunk.newBuilder().setData(ByteString.copyFrom(b, off, len)).build());
    }

    private void failIfDone() throws IOException {
        if (!done.isDone()) return;
        try {
            done.get();
            throw new IOException("the input of \"" + id + "\" was closed by the daemon");
        } catch (ExecutionException e) {
            throw failure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        }
    }

    /** What the daemon's end of the stream failed with, as the IOException a stream throws. */
    private IOException failure(ExecutionException e) {
        RuntimeException r =
                e.getCause() instanceof StatusRuntimeException s
                        ? translate.apply(s)
                        : new IllegalStateException(e.getCause());
        return new IOException(r.getMessage(), r);
    }

    /** Closes the container's stdin, and returns once the daemon has. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        call.onCompleted();
        try {
            done.get();
        } catch (ExecutionException e) {
            throw failure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted closing the input of \"" + id + "\"");
        }
    }
}
