package dev.nana.daemon.forward;

import dev.nana.spi.CommandRunner;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;

/** The thin client's terminal: it sets raw mode itself, on our word, and tells us its size. */
final class ClientTerminal implements CommandRunner.Terminal {
    private final Fd conn;
    private final Fd stdin;
    private volatile int[] size;
    private volatile Runnable onResize;

    ClientTerminal(Fd conn, Fd stdin) {
        this.conn = conn;
        this.stdin = stdin;
    }

    void resized(int rows, int cols) {
        size = rows > 0 && cols > 0 ? new int[] {rows, cols} : null;
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
        return size;
    }

    @Override
    public void onResize(Runnable handler) {
        onResize = handler;
    }
}
