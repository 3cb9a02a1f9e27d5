package dev.nana.supervisor;

import dev.nana.events.EventBus;
import dev.nana.events.Journal;
import dev.nana.state.StateDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

    private Path dir;
    private EventLoop loop;
    private ExecutorService pool;
    private ExecutorService callbacks;
    private Journal journal;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("nana-jmh-loop");
        journal = new Journal(dir.resolve("events.log"), Journal.DEFAULT_MAX_BYTES);
        pool = Executors.newCachedThreadPool();
        callbacks = Executors.newVirtualThreadPerTaskExecutor();
        loop =
                new EventLoop(
                        new Launcher(new StateDir(dir.resolve("state"))),
                        new EventBus(journal, 16),
                        pool,
                        pool,
                        pool,
                        callbacks,
                        Duration.ofSeconds(10));
        loop.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.post(new Task.Shutdown(done));
        done.get(10, TimeUnit.SECONDS);
        pool.shutdownNow();
        callbacks.shutdown();
        journal.close();
        StateDir.deleteTree(dir);
    }

    /** Tasks through the queue and the switch: a no-op task (an OOM count for no container). */
    private void postBatchAndWait() {
        long target = loop.handledCount() + BATCH;
        for (int i = 0; i < BATCH; i++) loop.post(new Task.OomRead("none", "init", 0));
        while (loop.handledCount() < target) Thread.onSpinWait();
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
        CompletableFuture<List<dev.nana.ContainerInfo>> f = new CompletableFuture<>();
        loop.post(new Task.Query(null, null, f));
        return f.join();
    }
}
