package dev.nana.supervisor;

import dev.nana.ResourceExhaustedException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The share of the heap that requests may hold, all kinds together: every request kind that holds
 * memory while it runs (a forwarded command and its request, a gRPC output stream, an event
 * subscriber, a CRI ExecSync, an image import or pull) takes its measured bound from here first,
 * and is refused when the rest does not fit. Each kind also has a cap of its own, so that no one
 * kind takes the whole budget from the others. docs/SECURITY.md ("The memory budget") lists what
 * each takes.
 *
 * <p>A daemon's heap is 32 MiB; an idle one with its containers holds ~8 MiB; half the heap is
 * given to requests by default, so that even all of them at once leave the rest room. {@code
 * -Dnana.heapBudgetMiB} sets it.
 */
public final class HeapBudget {
    /** This process's budget: half its heap, or {@code -Dnana.heapBudgetMiB}. */
    public static final HeapBudget PROCESS = new HeapBudget(configured());

    private final long total;
    private final AtomicLong used = new AtomicLong();

    /**
     * A budget of total bytes.
     *
     * @param total what all shares together may hold
     */
    public HeapBudget(long total) {
        this.total = total;
    }

    private static long configured() {
        String mib = System.getProperty("nana.heapBudgetMiB");
        if (mib != null) {
            try {
                return Long.parseLong(mib.trim()) << 20;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "-Dnana.heapBudgetMiB=" + mib + ": give a whole number of MiB", e);
            }
        }
        return Runtime.getRuntime().maxMemory() / 2;
    }

    /**
     * Takes bytes for a request that ends soon by itself (a request being read, a short command),
     * or refuses. It may use the whole budget, the part lasting requests leave too.
     *
     * @param bytes the measured bound of what the request holds
     * @param what the request, as its refusal names it ("a command")
     * @return the share, to be closed when the request ends
     * @throws ResourceExhaustedException when the budget has no room for it
     */
    public Share take(long bytes, String what) {
        return take(bytes, what, total);
    }

    /**
     * Takes bytes for a request that lasts as long as its client likes (a subscription, a stream,
     * {@code wait} or {@code attach}), or refuses. These leave a quarter of the budget to requests
     * that end by themselves, so that however many of them a client opens, {@code nana ps} and the
     * CRI's calls are still served.
     *
     * @param bytes the measured bound of what the request holds
     * @param what the request, as its refusal names it ("an event subscriber")
     * @return the share, to be closed when the request ends
     * @throws ResourceExhaustedException when the budget, less its reserve, has no room for it
     */
    public Share takeLasting(long bytes, String what) {
        return take(bytes, what, total - total / 4);
    }

    private Share take(long bytes, String what, long limit) {
        long now;
        do {
            now = used.get();
            if (now + bytes > limit) {
                throw new ResourceExhaustedException(
                        "the daemon's requests hold "
                                + (now >> 10)
                                + " KiB of the "
                                + (limit >> 10)
                                + " KiB its heap keeps for "
                                + (limit == total ? "them" : "lasting ones")
                                + ", and "
                                + what
                                + " needs "
                                + (bytes >> 10)
                                + " KiB: try again when some end (long-running commands, streams"
                                + " and subscriptions hold theirs until they end)");
            }
        } while (!used.compareAndSet(now, now + bytes));
        return new Share(bytes);
    }

    /**
     * What all shares hold now.
     *
     * @return bytes taken and not yet given back
     */
    public long used() {
        return used.get();
    }

    /**
     * What all shares together may hold.
     *
     * @return bytes
     */
    public long total() {
        return total;
    }

    /** A request's share, given back once when it is closed. */
    public final class Share implements AutoCloseable {
        private final long bytes;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Share(long bytes) {
            this.bytes = bytes;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) used.addAndGet(-bytes);
        }
    }
}
