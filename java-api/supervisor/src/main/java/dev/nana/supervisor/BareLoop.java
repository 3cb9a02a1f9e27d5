package dev.nana.supervisor;

import dev.nana.ContainerInfo;
import dev.nana.supervisor.events.EventBus;
import dev.nana.supervisor.events.Journal;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The event loop alone, over an empty state directory and no runtime: what bench's
 * EventLoopBenchmark drives (its queue and switch, and a request's round trip) without reaching
 * into the loop's package-private parts.
 */
public final class BareLoop implements AutoCloseable {
    private final Path dir;
    private final Journal journal;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final ExecutorService callbacks = Executors.newVirtualThreadPerTaskExecutor();
    private final EventLoop loop;

    /** Starts a loop whose state directory and journal are made in {@code dir}. */
    public BareLoop(Path dir) throws IOException {
        this.dir = dir;
        journal = new Journal(dir.resolve(Journal.FILE), Journal.DEFAULT_MAX_BYTES);
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

    /**
     * Posts {@code count} no-op tasks (an OOM count for no container) and spins until the loop has
     * handled as many more as were posted.
     */
    public void postNoOpsAndWait(int count) {
        long target = loop.handledCount() + count;
        for (int i = 0; i < count; i++) loop.post(new Task.OomRead("none", "init", 0));
        while (loop.handledCount() < target) Thread.onSpinWait();
    }

    /** A request's round trip: post a query, handle it, complete the caller's future. */
    public List<ContainerInfo> query() {
        CompletableFuture<List<ContainerInfo>> f = new CompletableFuture<>();
        loop.post(new Task.Query(null, null, f));
        return f.join();
    }

    @Override
    public void close() throws IOException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.post(new Task.Shutdown(done));
        done.orTimeout(10, TimeUnit.SECONDS).join();
        pool.shutdownNow();
        callbacks.shutdown();
        journal.close();
        StateDir.deleteTree(dir);
    }
}
