package dev.nana.daemon;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The daemon's calls that stay open (event streams, output, waits, input), so that a stopping
 * daemon ends each at once with a status that says so, instead of waiting for them to end by
 * themselves. Each is a {@link Guarded} observer: gRPC's observers are not thread-safe, and a call
 * may be ended by the stopping thread while its own thread sends.
 */
final class OpenStreams {
    private final Set<Guarded<?>> open = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    /** Tracks out until it ends; one opened while the daemon stops ends at once. */
    <T> Guarded<T> open(StreamObserver<T> out) {
        Guarded<T> g = new Guarded<>(out);
        open.add(g);
        if (stopping) g.fail(stoppingStatus());
        return g;
    }

    /** Ends every open call with UNAVAILABLE "the daemon is stopping". */
    void stopAll() {
        stopping = true;
        for (Guarded<?> g : open) g.fail(stoppingStatus());
    }

    int size() {
        return open.size();
    }

    private static Throwable stoppingStatus() {
        return Status.UNAVAILABLE
                .withDescription("the nana daemon is stopping; its containers keep running")
                .asRuntimeException();
    }

    /** One open call's observer: one message at a time, and nothing after its end. */
    final class Guarded<T> {
        private final StreamObserver<T> out;
        private boolean ended;

        private Guarded(StreamObserver<T> out) {
            this.out = out;
        }

        /** Sends v; false once the call has ended. */
        synchronized boolean next(T v) {
            if (ended) return false;
            out.onNext(v);
            return true;
        }

        synchronized void complete() {
            if (ended) return;
            ended = true;
            open.remove(this);
            out.onCompleted();
        }

        synchronized void fail(Throwable t) {
            if (ended) return;
            ended = true;
            open.remove(this);
            out.onError(t);
        }

        /** The call ended from the client's side (cancelled): forget it. */
        synchronized void forget() {
            ended = true;
            open.remove(this);
        }
    }
}
