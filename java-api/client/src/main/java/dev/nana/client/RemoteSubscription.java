package dev.nana.client;

import dev.nana.EventFilter;
import dev.nana.EventSubscriber;
import dev.nana.NanaException;
import dev.nana.Subscription;
import dev.nana.UnavailableException;
import dev.nana.grpc.Convert;
import dev.nana.grpc.v1.Event;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An event subscription to a daemon that outlives the daemon: when its stream breaks (the daemon
 * restarts), it subscribes again from the last event it delivered, and drops what it already
 * delivered, so the listener sees no gap and no duplicate. Events carry a journal sequence that
 * grows across restarts; the stream is asked for a little before the last event's time and cut at
 * its sequence.
 */
final class RemoteSubscription implements Subscription {
    private static final Logger log = LoggerFactory.getLogger(RemoteSubscription.class);

    private final RemoteSupervisor owner;
    private final EventFilter filter;
    private final EventSubscriber listener;
    private final Reconnect reconnect = new Reconnect();
    private final Instant firstSince; // asked for, or the subscription's start
    private volatile boolean closed;
    private volatile Context.CancellableContext context;
    private long lastSeq = -1; // touched only by the stream's (serialised) callbacks
    private Instant lastTime;

    RemoteSubscription(
            RemoteSupervisor owner, EventFilter filter, Instant since, EventSubscriber listener) {
        this.owner = owner;
        this.filter = filter;
        this.listener = listener;
        this.firstSince = since != null ? since : Instant.now();
        start(since);
    }

    private void start(Instant since) {
        if (closed) return;
        Context.CancellableContext c = Context.current().withCancellation();
        context = c;
        c.run(() -> owner.async().events(Convert.toProto(filter, since), new Observer()));
    }

    /** Where a new stream starts: just before the last delivered event, or where the first did. */
    private Instant resumeFrom() {
        return lastTime != null ? lastTime.minusNanos(1_000) : firstSince;
    }

    private final class Observer implements StreamObserver<Event> {
        @Override
        public void onNext(Event e) {
            reconnect.reached();
            if (e.hasFellBehindFrom()) {
                call(() -> listener.onFellBehind(Convert.instant(e.getFellBehindFrom())));
                return;
            }
            if (e.getSeq() <= lastSeq) return; // delivered before the stream broke
            lastSeq = e.getSeq();
            lastTime = Convert.instant(e.getTime());
            dev.nana.Event event = Convert.fromProto(e);
            call(() -> listener.onEvent(event));
        }

        @Override
        public void onError(Throwable t) {
            ended(t);
        }

        @Override
        public void onCompleted() {
            ended(null);
        }

        private void ended(Throwable t) {
            if (closed) return;
            if (!owner.isClosed() && reconnect.again(t)) {
                owner.later(() -> start(resumeFrom()));
                return;
            }
            closed = true;
            NanaException cause =
                    owner.isClosed()
                            ? new UnavailableException("the client was closed")
                            : t instanceof StatusRuntimeException s
                                    ? owner.translateForListener(s)
                                    : new UnavailableException(
                                            "the nana daemon ended the event stream and did not"
                                                    + " come back within "
                                                    + Reconnect.WINDOW.toSeconds()
                                                    + " s");
            call(() -> listener.onClosed(cause));
        }
    }

    /** Runs a listener callback; one that throws is logged and delivery goes on, as in-process. */
    private static void call(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException ex) {
            log.warn("an event subscriber failed: {}", ex.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        Context.CancellableContext c = context;
        if (c != null) c.cancel(null);
    }
}
