package dev.nana.cri.stream;

import dev.nana.supervisor.os.LibNana;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A TCP connection to a port of a pod, as a port-forward makes one: to localhost inside the pod's
 * network namespace (none: the host's, for a pod on the node's network). The socket is made by a
 * platform thread of its own that enters the namespace and ends, since a socket belongs to the
 * namespace it was made in, whichever thread uses it after; no process is started for it.
 */
final class PodPort implements AutoCloseable {
    /** How long a connect may take (a pod's loopback answers at once, or refuses). */
    static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private static final int BUFFER = 1 << 16;

    private final SocketChannel socket;

    private PodPort(SocketChannel socket) {
        this.socket = socket;
    }

    /** Connects to port on localhost in the namespace pinned at netns (null: the host's). */
    static PodPort connect(Path netns, int port) throws IOException {
        SocketChannel s = open(netns);
        try {
            s.socket()
                    .connect(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                            CONNECT_TIMEOUT_MILLIS);
            return new PodPort(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private static SocketChannel open(Path netns) throws IOException {
        if (netns == null) return SocketChannel.open(StandardProtocolFamily.INET);
        CompletableFuture<SocketChannel> made = new CompletableFuture<>();
        Thread.ofPlatform()
                .name("nana-netns")
                .start(
                        () -> {
                            try {
                                LibNana.enterNetns(netns);
                                made.complete(SocketChannel.open(StandardProtocolFamily.INET));
                            } catch (Throwable e) {
                                made.completeExceptionally(e);
                            }
                        });
        try {
            return made.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while entering " + netns, e);
        }
    }

    /** Writes data to the pod; blocks while it does not read. */
    void write(byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) socket.write(b);
    }

    /** The client's side ended: the pod reads end-of-file. */
    void endInput() throws IOException {
        socket.shutdownOutput();
    }

    /** Copies what the pod sends to out until the pod ends its side (or the socket closes). */
    void copyTo(OutputStream out) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(BUFFER);
        while (socket.read(b) >= 0) {
            out.write(b.array(), 0, b.position());
            b.clear();
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closed already
        }
    }
}
