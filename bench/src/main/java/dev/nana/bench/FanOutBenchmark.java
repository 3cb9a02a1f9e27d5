package dev.nana.bench;

import dev.nana.EventFilter;
import dev.nana.EventType;
import dev.nana.Subscription;
import dev.nana.supervisor.events.EventBus;
import dev.nana.supervisor.events.Journal;
import dev.nana.supervisor.state.StateDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Events published and delivered to every one of 1, 10 or 100 subscribers: journal write included,
 * measured until the last subscriber has the last event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FanOutBenchmark {
    private static final int BATCH = 1000;

    @Param({"1", "10", "100"})
    public int subscribers;

    private Path dir;
    private Journal journal;
    private EventBus bus;
    private final List<Subscription> subscriptions = new ArrayList<>();
    private AtomicLong[] delivered;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("nana-jmh-fanout");
        journal = new Journal(dir.resolve("events.log"), 64L << 20);
        bus = new EventBus(journal, EventBus.DEFAULT_QUEUE);
        delivered = new AtomicLong[subscribers];
        for (int i = 0; i < subscribers; i++) {
            AtomicLong count = delivered[i] = new AtomicLong();
            subscriptions.add(bus.subscribe(EventFilter.ALL, null, e -> count.lazySet(e.seq())));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        subscriptions.forEach(Subscription::close);
        bus.close();
        journal.close();
        StateDir.deleteTree(dir);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void publishToAll() {
        long last = 0;
        for (int i = 0; i < BATCH; i++)
            last = bus.publish(EventType.EXIT, "c", "init", 0, "u", null).seq();
        for (AtomicLong d : delivered) {
            while (d.get() < last) Thread.onSpinWait();
        }
    }
}
