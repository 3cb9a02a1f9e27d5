package dev.nana.supervisor.os;

import dev.nana.ReaderGoneException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * This process's stdout or stderr (ClientIo.standardOutput): written as any stream, and a sink a
 * pump splices a container's output into. Never closed here: the descriptor is the process's.
 */
public final class StandardStream extends FilterOutputStream implements FdSink {
    public static final StandardStream OUT =
            new StandardStream(new FileOutputStream(FileDescriptor.out), 1);
    public static final StandardStream ERR =
            new StandardStream(new FileOutputStream(FileDescriptor.err), 2);

    private final Fd fd;

    private StandardStream(OutputStream out, int fd) {
        super(out);
        this.fd = new Fd(fd);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw String.valueOf(e.getMessage()).contains("Broken pipe")
                    ? new ReaderGoneException("its reader went away (" + e.getMessage() + ")", e)
                    : e;
        }
    }

    @Override
    public Fd fd() {
        return fd;
    }

    @Override
    public boolean gone() {
        return false; // a write says so (EPIPE)
    }

    @Override
    public IOException failed(OsException cause) {
        return FdSink.classify(cause, false);
    }

    @Override
    public void close() {
        // the process's own descriptor: flushed, never closed
        try {
            flush();
        } catch (IOException e) {
            // nothing left to tell it to
        }
    }
}
