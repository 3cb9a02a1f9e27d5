package dev.nana.cri.stream;

import dev.nana.ClientIo;
import dev.nana.ReaderGoneException;
import dev.nana.Supervisor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An exec or an attach over WebSocket, in the {@code channel.k8s.io} framing: each binary message's
 * first byte is its channel (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; with v5, 255 closes a
 * channel). The client's messages are read one at a time: the next is asked for once the last is
 * handed on, so a process that does not read its stdin holds the client back, as a pipe would.
 */
final class WebSocketStream extends SimpleChannelInboundHandler<WebSocketFrame>
        implements ProcessStream.Transport {
    private final String protocol;
    private final ProcessStream process;

    /** Writes to the process's stdin, in order, off the event loop (they block). */
    private final ExecutorService stdin =
            Executors.newSingleThreadExecutor(
                    Thread.ofVirtual().name("nana-stream-stdin").factory());

    /** Passes the terminal's sizes on, in order, beside stdin (never behind a blocked write). */
    private final ExecutorService resizes =
            Executors.newSingleThreadExecutor(
                    Thread.ofVirtual().name("nana-stream-resize").factory());

    private volatile Channel channel;

    WebSocketStream(String protocol, ProcessStream.Request r, Supervisor supervisor, ClientIo io) {
        this.protocol = protocol;
        this.process = new ProcessStream(supervisor, io, r, this);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        channel.config().setAutoRead(false);
    }

    /** The handshake's answer is out: the process starts, and the client's messages are read. */
    void begin() {
        process.start();
        channel.read();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        switch (frame) {
            case BinaryWebSocketFrame b -> onMessage(ctx, b.content());
            case PingWebSocketFrame p -> {
                var _ = ctx.writeAndFlush(new PongWebSocketFrame(p.content().retain()));
                ctx.read();
            }
            case CloseWebSocketFrame c -> {
                process.abandon();
                var _ = ctx.close();
            }
            default -> ctx.read(); // text and pongs carry nothing of this protocol
        }
    }

    private void onMessage(ChannelHandlerContext ctx, ByteBuf content) {
        if (!content.isReadable()) {
            ctx.read();
            return;
        }
        int ch = content.readUnsignedByte();
        byte[] data = ByteBufUtil.getBytes(content);
        switch (ch) {
            case RemoteCommand.STDIN ->
                    stdin.execute(
                            () -> {
                                try {
                                    process.input(data);
                                } catch (IOException e) {
                                    // the process is gone: its end is told on the error channel
                                }
                                ctx.channel().read();
                            });
            case RemoteCommand.RESIZE -> {
                int[] size = RemoteCommand.size(data);
                if (size != null) resizes.execute(() -> process.resize(size[0], size[1]));
                ctx.read();
            }
            case RemoteCommand.CLOSE -> {
                if (protocol.equals(RemoteCommand.V5)
                        && data.length > 0
                        && data[0] == RemoteCommand.STDIN) stdin.execute(process::closeInput);
                ctx.read();
            }
            default -> ctx.read(); // a channel the client may not write to
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        process.abandon();
        stdin.shutdown();
        resizes.shutdown();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        var _ = ctx.close();
    }

    @Override
    public OutputStream channel(int ch) {
        return ((MessageSink) (b, off, len) -> send(channel, ch, b, off, len)).asStream();
    }

    /**
     * One message on a channel; returns once it is written (the client's pace is the process's).
     */
    private void send(int ch, byte[] data) throws IOException {
        send(channel, ch, data, 0, data.length);
    }

    /**
     * One message on channel ch of a {@code channel.k8s.io} connection c; returns once it is
     * written. Never call it on the event loop.
     */
    static void send(Channel c, int ch, byte[] data, int off, int len) throws IOException {
        ByteBuf buf = c.alloc().buffer(len + 1);
        buf.writeByte(ch).writeBytes(data, off, len);
        ChannelFuture f = c.writeAndFlush(new BinaryWebSocketFrame(buf)).awaitUninterruptibly();
        if (!f.isSuccess())
            throw new ReaderGoneException("the streaming client went away", f.cause());
    }

    @Override
    public void finish(String status) {
        Channel c = channel;
        try {
            send(RemoteCommand.ERROR, status.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the client is gone
        }
        var _ =
                c.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                        .addListener(ChannelFutureListener.CLOSE);
        stdin.shutdown();
        resizes.shutdown();
    }
}
