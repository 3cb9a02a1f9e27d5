package dev.nana.it.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.grpc.v1.ContainersGrpc;
import dev.nana.grpc.v1.Event;
import dev.nana.grpc.v1.EventsRequest;
import dev.nana.grpc.v1.ListRequest;
import dev.nana.it.FaultSize;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Thousands of gRPC event subscriptions that never read: each costs the daemon a parked virtual
 * thread and a queue of what is queued, the subscribers are capped (the rest are refused with
 * UNAVAILABLE), and nothing piles up in the server. While they hang on, events keep flowing
 * (containers run and go), `nana ps` answers within a second; once they are cancelled the daemon's
 * threads and memory are back where they were.
 */
@Tag("fault")
class EventStreamAttackTest {
    /** The daemon's threads by name, counted (digits folded), for a failure's message. */
    private static String threadNames(NanaCli nana) throws Exception {
        Map<String, Integer> names = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(nana.daemonPid()), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    names.merge(
                            Files.readString(t.resolve("comm")).strip().replaceAll("\\d+", "N"),
                            1,
                            Integer::sum);
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        return names.toString();
    }

    @Test
    void neverReadSubscriptionsAreCappedAndCostNoPlatformThread() throws Exception {
        int n = FaultSize.of("subscriptions", 2000, 2000);
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            for (int i = 0; i < 12; i++)
                assertEquals(0, nana.run("run", "--rm", "warm" + i, "--", "true").exit());
            // warm too: gRPC is loaded on the daemon's first client, and an event stream's path
            // with it; the baseline is what the subscriptions cost on top of that
            try (GrpcChannel warm = GrpcChannel.open(nana.socket)) {
                ContainersGrpc.newBlockingStub(warm.channel())
                        .list(ListRequest.getDefaultInstance());
                var events =
                        ContainersGrpc.newBlockingStub(warm.channel())
                                .events(EventsRequest.getDefaultInstance());
                assertEquals(0, nana.run("run", "--rm", "warm-events", "--", "true").exit());
                events.next(); // one event read; closing the channel ends the stream
            }
            long[] baseline = nana.daemonUsage(); // warm: the start pool's threads are there
            GrpcChannel grpc = GrpcChannel.open(nana.socket);
            ManagedChannel channel = grpc.channel();
            AtomicInteger refused = new AtomicInteger();
            List<ClientCallStreamObserver<EventsRequest>> calls = new ArrayList<>();
            try {
                ContainersGrpc.ContainersStub api = ContainersGrpc.newStub(channel);
                for (int i = 0; i < n; i++) {
                    api.events(
                            EventsRequest.getDefaultInstance(),
                            new ClientResponseObserver<EventsRequest, Event>() {
                                @Override
                                public void beforeStart(
                                        ClientCallStreamObserver<EventsRequest> call) {
                                    call.disableAutoRequestWithInitial(
                                            0); // never reads a single event
                                    synchronized (calls) {
                                        calls.add(call);
                                    }
                                }

                                @Override
                                public void onNext(Event e) {}

                                @Override
                                public void onError(Throwable t) {
                                    if (Status.fromThrowable(t).getCode()
                                            == Status.Code.UNAVAILABLE) refused.incrementAndGet();
                                }

                                @Override
                                public void onCompleted() {}
                            });
                }
                // events flow meanwhile: containers run and go
                for (int i = 0; i < 10; i++) {
                    assertEquals(0, nana.run("run", "--rm", "ev" + i, "--", "true").exit());
                }
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(50))
                        .untilAsserted(
                                () ->
                                        assertEquals(
                                                n - 512,
                                                refused.get(),
                                                "over the cap of 512 subscribers, UNAVAILABLE"));
                long[] during = nana.daemonUsage();
                assertTrue(
                        during[1] <= baseline[1] + 8,
                        n
                                + " subscriptions: threads "
                                + baseline[1]
                                + " before, "
                                + during[1]
                                + " during: "
                                + threadNames(nana));
                long t0 = System.nanoTime();
                assertEquals(0, nana.run("ps").exit());
                assertTrue(
                        System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1),
                        "nana ps answers within a second");
                System.out.printf(
                        "events: %d never-read subscriptions, %d refused; daemon threads %d before, %d during;"
                                + " RSS %d KiB before, %d KiB during%n",
                        n, refused.get(), baseline[1], during[1], baseline[0], during[0]);
            } finally {
                synchronized (calls) {
                    calls.forEach(c -> c.cancel("done", null));
                }
                grpc.close();
            }
            // the bound is the one held during: the pools (virtual threads' carriers, gRPC's and
            // nana's)
            // keep a few idle threads for a while; a thread per subscription would be a thousand
            await().atMost(Duration.ofSeconds(15))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(
                            () -> {
                                long[] after = nana.daemonUsage();
                                assertTrue(
                                        after[1] <= baseline[1] + 8,
                                        "threads "
                                                + baseline[1]
                                                + " before, "
                                                + after[1]
                                                + " after: "
                                                + threadNames(nana));
                                assertTrue(
                                        after[0] <= baseline[0] + 32 * 1024,
                                        "RSS "
                                                + baseline[0]
                                                + " KiB before, "
                                                + after[0]
                                                + " KiB after");
                            });
            assertEquals(0, nana.run("ps").exit());
        }
    }
}
