package dev.nana.supervisor.os;

import java.util.concurrent.atomic.AtomicBoolean;

/** A file descriptor owned by Java: closed exactly once, however many times close() is called. */
public final class Fd implements AutoCloseable {
    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    public Fd(int fd) {
        if (fd < 0) throw new IllegalArgumentException("not a file descriptor: " + fd);
        this.fd = fd;
    }

    /** The raw number, for a call into libnana. */
    public int get() {
        if (closed.get()) throw new IllegalStateException("file descriptor " + fd + " is closed");
        return fd;
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) LibNana.closeQuietly(fd);
    }

    @Override
    public String toString() {
        return "Fd[" + fd + (closed.get() ? ", closed]" : "]");
    }
}
