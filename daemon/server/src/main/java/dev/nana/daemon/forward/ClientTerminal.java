package dev.nana.daemon.forward;

import dev.nana.spi.CommandRunner;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The thin client's terminal: it sets raw mode itself, on our word, and tells us its size. */
final class ClientTerminal implements CommandRunner.Terminal {
    private final Fd conn;
    private final Fd stdin;
    private volatile int[] size;
    private volatile Runnable onResize;

    /**
     * The client sends its size right after its request; a command that asks for it before that
     * frame is read waits for it (an exec -it would else start on a 0x0 terminal).
     */
    private final CountDownLatch sized = new CountDownLatch(1);

    private static final long FIRST_SIZE_MILLIS = 1000;

    ClientTerminal(Fd conn, Fd stdin) {
        this.conn = conn;
        this.stdin = stdin;
    }

    void resized(int rows, int cols) {
        size = rows > 0 && cols > 0 ? new int[] {rows, cols} : null;
        sized.countDown();
        Runnable r = onResize;
        if (r != null) r.run();
    }

    @Override
    public boolean isTty() {
        return LibNana.isatty(stdin);
    }

    @Override
    public void raw(boolean on) {
        try {
            Connection.sendFrame(conn, ForwardProtocol.RAW, on ? 1 : 0);
        } catch (OsException | IllegalStateException e) {
            // the client is gone
        }
    }

    @Override
    public int[] size() {
        try {
            sized.await(FIRST_SIZE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return size;
    }

    @Override
    public void onResize(Runnable handler) {
        onResize = handler;
    }
}
