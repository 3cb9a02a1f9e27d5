package dev.nana.bench;

import dev.nana.supervisor.BareLoop;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The event loop alone: how many tasks a second its lock-free queue and single consumer take, from
 * one producer and from several, and the round trip of a request (a query posted, handled, and its
 * future completed).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class EventLoopBenchmark {
    private static final int BATCH = 10_000;

    private BareLoop loop;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        loop = new BareLoop(Files.createTempDirectory("nana-jmh-loop"));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        loop.close();
    }

    /** Tasks through the queue and the switch: a no-op task (an OOM count for no container). */
    private void postBatchAndWait() {
        loop.postNoOpsAndWait(BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void tasksFromOneProducer() {
        postBatchAndWait();
    }

    @Benchmark
    @Threads(4)
    @OperationsPerInvocation(BATCH)
    public void tasksFromFourProducers() {
        postBatchAndWait();
    }

    /** A request's round trip: post, handle, complete the caller's future, wake the caller. */
    @Benchmark
    public Object queryRoundTrip() {
        return loop.query();
    }
}
