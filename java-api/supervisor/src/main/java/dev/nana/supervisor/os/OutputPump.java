package dev.nana.supervisor.os;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Copies a container's output FIFO to one of our streams until the shim closes it. The FIFO is
 * opened non-blocking before the shim starts, so nothing written early is lost and no open() hangs;
 * poll reports HUP only once the shim (its writer) is gone. While this pump holds the read end, the
 * shim treats it as an attached reader: every byte comes here, and when out is slow to take it, the
 * container waits. {@link #stop()} lets go of it: the shim then writes to the log alone.
 */
public final class OutputPump implements Runnable {
    private final FifoInputStream fifo;
    private final OutputStream out;
    private volatile IOException failure;

    private OutputPump(Fd fifo, OutputStream out) {
        this.fifo = new FifoInputStream(fifo, () -> false, () -> {});
        this.out = out;
    }

    /**
     * Pumps block in poll(2) through libnana, which would pin a virtual thread's carrier: they get
     * platform threads, reused from one command to the next (a daemon runs many).
     */
    private static final ExecutorService THREADS =
            new ThreadPoolExecutor(
                    0,
                    Integer.MAX_VALUE,
                    5, // an idle pump thread goes after 5 s: a daemon keeps none for long
                    TimeUnit.SECONDS,
                    new SynchronousQueue<>(),
                    Thread.ofPlatform().name("nana-pump-", 0).daemon().factory());

    private final CountDownLatch done = new CountDownLatch(1);

    /** Starts copying fifo (opened non-blocking) to out on a pump thread. */
    public static OutputPump start(String name, Fd fifo, OutputStream out) {
        OutputPump p = new OutputPump(fifo, out);
        THREADS.execute(
                () -> {
                    try {
                        p.run();
                    } finally {
                        p.done.countDown();
                    }
                });
        return p;
    }

    /** Waits until the pump is done (millis 0: however long it takes); false when it is not. */
    public boolean join(long millis) throws InterruptedException {
        if (millis > 0) return done.await(millis, TimeUnit.MILLISECONDS);
        done.await();
        return true;
    }

    /**
     * Stops the copy soon (once a write to out under way ends) and closes the FIFO: its reader is
     * gone, so the shim stops holding the container back for it.
     */
    public void stop() {
        fifo.close();
    }

    @Override
    public void run() {
        try (fifo) {
            if (out instanceof FdSink sink && fifo.spliceTo(sink)) return;
            byte[] buf = new byte[65536];
            int n;
            while ((n = fifo.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            failure = e;
        }
    }

    /** What ended the copy early (out failed), or null. */
    public IOException failure() {
        return failure;
    }
}
