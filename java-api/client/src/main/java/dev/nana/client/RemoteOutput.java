package dev.nana.client;

import dev.nana.OutputGapException;
import dev.nana.UnavailableException;
import dev.nana.grpc.v1.ContainersGrpc;
import dev.nana.grpc.v1.OutputChunk;
import dev.nana.grpc.v1.OutputRequest;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * A container's output from the daemon's Output stream, as an InputStream. One chunk is asked for
 * at a time, and the next only once the reader has taken it: a slow reader slows the daemon (and,
 * attached, the container), and nothing piles up here. A chunk that says bytes were dropped before
 * it becomes one {@link OutputGapException}.
 */
final class RemoteOutput extends InputStream {
    private static final Object END = new Object();

    private final LinkedBlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
    private final Function<StatusRuntimeException, RuntimeException> translate;
    private volatile ClientCallStreamObserver<OutputRequest> call;
    private byte[] chunk = new byte[0];
    private int pos;
    private boolean ended;

    RemoteOutput(
            ContainersGrpc.ContainersStub stub,
            String id,
            boolean attach,
            Function<StatusRuntimeException, RuntimeException> translate) {
        this.translate = translate;
        stub.output(
                OutputRequest.newBuilder().setId(id).setAttach(attach).build(),
                new ClientResponseObserver<OutputRequest, OutputChunk>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<OutputRequest> c) {
                        call = c;
                        c.disableAutoRequestWithInitial(1);
                    }

                    @Override
                    public void onNext(OutputChunk value) {
                        if (value.getAttached()) {
                            arrived.add(ATTACHED);
                            return;
                        }
                        boolean data = !value.getData().isEmpty();
                        // each chunk asks for the next once taken: its data, or else its gap
                        if (value.getDropped() > 0) arrived.add(new Gap(value.getDropped(), !data));
                        if (data || value.getDropped() == 0)
                            arrived.add(value.getData().toByteArray());
                    }

                    @Override
                    public void onError(Throwable t) {
                        arrived.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        arrived.add(END);
                    }
                });
    }

    private static final Object ATTACHED = new Object();

    private record Gap(long bytes, boolean asksForMore) {}

    /** Waits for the daemon's word that the reader is attached; throws what it said instead. */
    void awaitAttached() {
        Object first;
        try {
            first = arrived.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new UnavailableException("interrupted while attaching to a container's output");
        }
        if (first == ATTACHED) {
            call.request(1);
            return;
        }
        ended = true;
        if (first instanceof StatusRuntimeException s) throw translate.apply(s);
        throw new UnavailableException(
                "attach to a container's output: the daemon answered " + first);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (pos == chunk.length) {
            if (ended) return -1;
            Object next;
            try {
                next = arrived.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading a container's output");
            }
            switch (next) {
                case byte[] data -> {
                    chunk = data;
                    pos = 0;
                    call.request(1);
                }
                case Gap gap -> {
                    if (gap.asksForMore()) call.request(1);
                    throw new OutputGapException(gap.bytes());
                }
                case StatusRuntimeException s -> {
                    ended = true;
                    RuntimeException e = translate.apply(s);
                    throw new IOException(e.getMessage(), e);
                }
                case Throwable t -> {
                    ended = true;
                    throw new IOException(t.getMessage(), t);
                }
                default -> ended = true; // END
            }
        }
        int n = Math.min(len, chunk.length - pos);
        System.arraycopy(chunk, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void close() {
        if (!ended) call.cancel("the reader closed the container's output", null);
        ended = true;
        chunk = new byte[0];
        pos = 0;
    }
}
