package dev.nana.supervisor.events;

import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventSubscriber;
import dev.nana.EventType;
import dev.nana.Subscription;
import dev.nana.UnavailableException;
import dev.nana.supervisor.HeapBudget;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publish and subscribe-with-filters, nothing else. Every event is journaled before any subscriber
 * sees it. Each subscriber has a bounded queue and a thread of its own, so a slow one delays only
 * itself: when its queue overflows, publishing does not wait; the subscriber's thread instead
 * catches up from the journal, by sequence number, and then goes on live — without gap or
 * duplicate.
 */
public final class EventBus implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventBus.class);
    public static final int DEFAULT_QUEUE = 256;

    private final Journal journal;
    private final int queueCapacity;

    /**
     * Subscribers at once, at most: each costs a virtual thread and a queue of up to queueCapacity
     * events.
     */
    public static final int MAX_SUBSCRIBERS = 512;

    /**
     * What a subscriber holds at most: a full queue (an event is shared by all; each queued one
     * costs a node) and its parked virtual thread.
     */
    static long subscriberBytes(int queueCapacity) {
        return queueCapacity * 24L + (8 << 10);
    }

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    public EventBus(Journal journal, int queueCapacity) {
        this.journal = journal;
        this.queueCapacity = queueCapacity;
    }

    public Journal journal() {
        return journal;
    }

    /** Journals an event and hands it to every subscriber; never blocks on a subscriber. */
    public synchronized Event publish(
            EventType type, String id, String process, Integer exitCode, String uid, Integer n) {
        Event e = journal.append(type, id, process, exitCode, uid, n).event();
        for (Subscriber s : subscribers) s.offer(e);
        return e;
    }

    /**
     * Subscribes. With since, first replays the journaled events strictly after it; then live.
     * Registration and the starting point are taken under the publish lock, so nothing published
     * concurrently is missed or doubled.
     */
    public Subscription subscribe(EventFilter filter, Instant since, EventSubscriber listener) {
        Subscriber s;
        synchronized (this) {
            if (subscribers.size() >= MAX_SUBSCRIBERS) {
                throw new UnavailableException(
                        "there are "
                                + subscribers.size()
                                + " event subscribers, the most"
                                + " this supervisor serves: close one, or try again later");
            }
            HeapBudget.Share share =
                    HeapBudget.PROCESS.takeLasting(
                            subscriberBytes(queueCapacity), "an event subscriber");
            s =
                    new Subscriber(
                            filter,
                            listener,
                            since,
                            since == null ? journal.lastSeq() : -1,
                            queueCapacity,
                            share);
            subscribers.add(s);
        }
        // a virtual thread: a subscriber that waits (on its queue, or on a slow reader) costs no
        // platform thread
        s.thread = Thread.ofVirtual().name("nana-events-" + subscribers.size()).start(s::deliver);
        return () -> {
            subscribers.remove(s);
            s.stop();
        };
    }

    public int subscriberCount() {
        return subscribers.size();
    }

    @Override
    public void close() {
        for (Subscriber s : subscribers) {
            s.stop();
            try {
                s.listener.onClosed(
                        new UnavailableException(
                                "the supervisor was closed (its daemon is stopping, or its program closed it): no more events come; containers keep running"));
            } catch (RuntimeException ex) {
                log.warn("an event listener failed when told of the close: {}", ex.toString());
            }
        }
        subscribers.clear();
    }

    private final class Subscriber {
        private final EventFilter filter;
        private final EventSubscriber listener;
        private final BlockingQueue<Event> queue;
        private final Instant since;
        private volatile boolean overflowed;
        private volatile boolean stopped;
        private long cursor; // the last seq handled (delivered or filtered out)
        private final HeapBudget.Share share;
        Thread thread;

        Subscriber(
                EventFilter filter,
                EventSubscriber listener,
                Instant since,
                long cursor,
                int capacity,
                HeapBudget.Share share) {
            this.share = share;
            this.filter = filter;
            this.listener = listener;
            this.since = since;
            this.cursor = cursor;
            this.queue = new LinkedBlockingQueue<>(capacity); // memory for what is queued only
            this.overflowed = since != null; // a "since" subscriber starts by replaying
        }

        void offer(Event e) {
            if (!queue.offer(e)) overflowed = true;
        }

        void stop() {
            stopped = true;
            share.close();
            if (thread != null) thread.interrupt();
        }

        void deliver() {
            try {
                while (!stopped) {
                    if (overflowed) {
                        overflowed = false;
                        queue.clear();
                        catchUp();
                        continue;
                    }
                    Event e = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (e != null) handle(e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * Delivers from the journal everything after the cursor (or after since, at first), read as
         * it is delivered: a replay of the whole journal holds one entry at a time.
         */
        private void catchUp() {
            long from = cursor;
            // the last seq seen: any jump past it is events the journal no longer has, whether
            // they were rotated away before this replay began or while it waited on a slow
            // listener (the scan reads on in a file that was rotated beneath it, then the newest)
            long[] last = {from};
            try {
                journal.scan(
                        e -> {
                            if (stopped) return false;
                            if (from >= 0 ? e.seq() <= from : !e.time().isAfter(since)) return true;
                            if (e.seq() <= last[0]) return true;
                            if (last[0] >= 0 && e.seq() > last[0] + 1)
                                listener.onFellBehind(e.time());
                            last[0] = e.seq();
                            handle(e.event());
                            return true;
                        });
            } catch (IOException e) {
                log.warn("replay events from the journal: {}", e.getMessage());
            }
        }

        private void handle(Event e) {
            if (cursor >= 0 && e.seq() <= cursor)
                return; // already delivered (replay and live overlap)
            cursor = e.seq();
            if (!filter.test(e)) return;
            try {
                listener.onEvent(e);
            } catch (RuntimeException ex) {
                log.warn("an event listener failed on {}: {}", e, ex.toString());
            }
        }
    }
}
