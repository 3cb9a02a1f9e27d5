package dev.nana.supervisor.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventSubscriber;
import dev.nana.EventType;
import dev.nana.Subscription;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventBusTest {
    @TempDir Path dir;

    private static void await(List<Event> got, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (got.size() < n && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(n, got.size(), "events delivered");
    }

    @Test
    void twoSubscribersSeeTheSameEventsInTheSameOrder() throws Exception {
        try (Journal j = new Journal(dir.resolve("events.log"), 1 << 20);
                EventBus bus = new EventBus(j, 64)) {
            List<Event> a = new CopyOnWriteArrayList<>();
            List<Event> b = new CopyOnWriteArrayList<>();
            try (Subscription _ = bus.subscribe(EventFilter.ALL, null, a::add);
                    Subscription _ = bus.subscribe(EventFilter.ALL, null, b::add)) {
                for (int i = 0; i < 50; i++)
                    bus.publish(EventType.OOM, "c" + (i % 3), "init", null, "u", i);
                await(a, 50);
                await(b, 50);
                assertEquals(a, b);
                assertEquals(
                        LongStream.rangeClosed(1, 50).boxed().toList(),
                        a.stream().map(Event::seq).toList());
            }
        }
    }

    @Test
    void replaySinceATimeReturnsExactlyTheEventsAfterIt() throws Exception {
        try (Journal j = new Journal(dir.resolve("events.log"), 1 << 20);
                EventBus bus = new EventBus(j, 64)) {
            Instant cut = null;
            for (int i = 1; i <= 10; i++) {
                Event e = bus.publish(EventType.START, "c" + i, "init", null, "u" + i, null);
                if (i == 4) cut = e.time();
            }
            List<Event> got = new CopyOnWriteArrayList<>();
            try (Subscription _ = bus.subscribe(EventFilter.ALL, cut, got::add)) {
                await(got, 6);
                bus.publish(EventType.EXIT, "c1", "init", 0, "u1", null); // and then live, no gap
                await(got, 7);
            }
            assertEquals(
                    LongStream.rangeClosed(5, 11).boxed().toList(),
                    got.stream().map(Event::seq).toList());
        }
    }

    @Test
    void filtersByTypeAndId() throws Exception {
        try (Journal j = new Journal(dir.resolve("events.log"), 1 << 20);
                EventBus bus = new EventBus(j, 64)) {
            List<Event> got = new CopyOnWriteArrayList<>();
            try (Subscription _ =
                    bus.subscribe(
                            new EventFilter(Set.of(EventType.EXIT), Set.of("web")),
                            null,
                            got::add)) {
                bus.publish(EventType.START, "web", "init", null, "u", null);
                bus.publish(EventType.EXIT, "db", "init", 1, "v", null);
                bus.publish(EventType.EXIT, "web", "init", 2, "u", null);
                await(got, 1);
                Thread.sleep(50);
                assertEquals(1, got.size());
                assertEquals(2, got.getFirst().exitCode());
            }
        }
    }

    @Test
    void aSlowSubscriberCatchesUpFromTheJournalWithoutLossAndWithoutBlockingPublish()
            throws Exception {
        try (Journal j = new Journal(dir.resolve("events.log"), 1 << 20);
                EventBus bus = new EventBus(j, 4)) {
            CountDownLatch release = new CountDownLatch(1);
            List<Event> got = new CopyOnWriteArrayList<>();
            EventSubscriber slow =
                    e -> {
                        try {
                            release.await();
                        } catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                        }
                        got.add(e);
                    };
            try (Subscription _ = bus.subscribe(EventFilter.ALL, null, slow)) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 1000; i++)
                    bus.publish(EventType.OOM, "c", "init", null, "u", i);
                assertTrue(
                        System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5),
                        "publishing did not wait for the listener");
                release.countDown();
                await(got, 1000);
                assertEquals(
                        LongStream.rangeClosed(1, 1000).boxed().toList(),
                        got.stream().map(Event::seq).toList());
            }
        }
    }

    @Test
    void aSubscriberPastTheJournalsRetentionIsToldItFellBehind() throws Exception {
        try (Journal j = new Journal(dir.resolve("events.log"), 400);
                EventBus bus = new EventBus(j, 2)) {
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<Instant> lost = new AtomicReference<>();
            List<Event> got = new CopyOnWriteArrayList<>();
            EventSubscriber slow =
                    new EventSubscriber() {
                        @Override
                        public void onEvent(Event e) {
                            try {
                                release.await();
                            } catch (InterruptedException ex) {
                                Thread.currentThread().interrupt();
                            }
                            got.add(e);
                        }

                        @Override
                        public void onFellBehind(Instant lostFrom) {
                            lost.set(lostFrom);
                        }
                    };
            try (Subscription _ = bus.subscribe(EventFilter.ALL, null, slow)) {
                for (int i = 0; i < 200; i++) bus.publish(EventType.OOM, "c", "init", null, "u", i);
                release.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while ((got.isEmpty() || got.getLast().seq() != 200)
                        && System.nanoTime() < deadline) Thread.sleep(5);
                assertEquals(200, got.getLast().seq(), "it caught up to the newest event");
                assertTrue(lost.get() != null, "it was told that events were lost");
                for (int i = 1; i < got.size(); i++)
                    assertTrue(got.get(i).seq() > got.get(i - 1).seq(), "never out of order");
            }
        }
    }

    @Test
    void eventsRotatedAwayWhileAReplayWaitsOnItsListenerAreToldAsLost() throws Exception {
        try (Journal j = new Journal(dir.resolve("events.log"), 400);
                EventBus bus = new EventBus(j, 2)) {
            // seqs 1 to 4: the journal has rotated once, and the replay starts in events.log.1
            for (int i = 0; i < 4; i++) bus.publish(EventType.OOM, "c", "init", null, "u", i);
            CountDownLatch inReplay = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<Instant> lost = new AtomicReference<>();
            List<Event> got = new CopyOnWriteArrayList<>();
            EventSubscriber slow =
                    new EventSubscriber() {
                        @Override
                        public void onEvent(Event e) {
                            inReplay.countDown();
                            try {
                                release.await();
                            } catch (InterruptedException ex) {
                                Thread.currentThread().interrupt();
                            }
                            got.add(e);
                        }

                        @Override
                        public void onFellBehind(Instant lostFrom) {
                            lost.compareAndSet(null, lostFrom);
                        }
                    };
            // a "since" subscriber replays the journal first: it waits in the replay, on seq 1,
            // in events.log.1; then it reads on there, and then events.log, the newest
            try (Subscription _ = bus.subscribe(EventFilter.ALL, Instant.EPOCH, slow)) {
                assertTrue(inReplay.await(10, TimeUnit.SECONDS), "the replay reached seq 1");
                // the journal rotates many times beneath the replay's open file
                for (int i = 0; i < 200; i++) bus.publish(EventType.OOM, "c", "init", null, "u", i);
                release.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while ((got.isEmpty() || got.getLast().seq() != 204)
                        && System.nanoTime() < deadline) Thread.sleep(5);
                assertEquals(204, got.getLast().seq(), "it caught up to the newest event");
                assertTrue(lost.get() != null, "it was told that events were lost: " + got);
                for (int i = 1; i < got.size(); i++)
                    assertTrue(got.get(i).seq() > got.get(i - 1).seq(), "never out of order");
            }
        }
    }
}
