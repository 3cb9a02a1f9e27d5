package dev.nana.cri.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Port-forwards over WebSocket, as the kubelet serves them ({@code v4.channel.k8s.io}): one
 * connection per port the client names, port i on channels 2i (data) and 2i+1 (error), each of
 * which first carries the port (two bytes, little-endian). The client's messages on a data channel
 * go to the pod, one at a time (the next is read once the last is written); the WebSocket ends once
 * every port's connection has.
 */
final class WebSocketPortForward extends SimpleChannelInboundHandler<WebSocketFrame> {
    static final String PROTOCOL = RemoteCommand.V4;

    private final StreamRequest.Ports request;
    private final List<Forward> forwards = new ArrayList<>();
    private final AtomicInteger open;
    private volatile Channel channel;

    WebSocketPortForward(StreamRequest.Ports request, List<Integer> ports) {
        this.request = request;
        for (int i = 0; i < ports.size(); i++) forwards.add(new Forward(i, ports.get(i)));
        this.open = new AtomicInteger(ports.size());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        channel.config().setAutoRead(false);
    }

    /** The handshake's answer is out: each port is told and connected, and messages read. */
    void begin() {
        for (Forward f : forwards) f.writer.execute(f::connect);
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
                var _ = ctx.close();
            }
            default -> ctx.read();
        }
    }

    private void onMessage(ChannelHandlerContext ctx, ByteBuf content) {
        int ch = content.isReadable() ? content.readUnsignedByte() : -1;
        if (ch < 0 || ch % 2 != 0 || ch / 2 >= forwards.size() || !content.isReadable()) {
            ctx.read(); // an error channel, one of no port, or nothing: the client writes no such
            return;
        }
        Forward f = forwards.get(ch / 2);
        byte[] data = ByteBufUtil.getBytes(content);
        try {
            f.writer.execute(
                    () -> {
                        PodPort s = f.socket;
                        try {
                            if (s != null) s.write(data);
                        } catch (IOException e) {
                            s.close(); // the pod's side is gone: its copy ends
                        }
                        ctx.channel().read();
                    });
        } catch (RejectedExecutionException ended) {
            ctx.read(); // that port's connection is over
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (Forward f : forwards) f.close();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        var _ = ctx.close();
    }

    /** One port's connection in the pod, on its pair of channels. */
    private final class Forward {
        final int index;
        final int port;
        final ExecutorService writer =
                Executors.newSingleThreadExecutor(
                        Thread.ofVirtual().name("nana-port-forward").factory());
        volatile PodPort socket;

        Forward(int index, int port) {
            this.index = index;
            this.port = port;
        }

        void connect() {
            try {
                byte[] said = {(byte) port, (byte) (port >> 8)};
                WebSocketStream.send(channel, 2 * index, said, 0, 2);
                WebSocketStream.send(channel, 2 * index + 1, said, 0, 2);
                try {
                    socket = PodPort.connect(request.netns(), port);
                } catch (IOException e) {
                    byte[] why = request.failure(port, e);
                    WebSocketStream.send(channel, 2 * index + 1, why, 0, why.length);
                    ended();
                    return;
                }
            } catch (IOException gone) {
                ended(); // the client went away
                return;
            }
            Thread.ofVirtual().name("nana-port-forward-out").start(this::copyOut);
        }

        private void copyOut() {
            try {
                socket.copyTo(
                        ((MessageSink)
                                        (b, off, len) ->
                                                WebSocketStream.send(
                                                        channel, 2 * index, b, off, len))
                                .asStream());
            } catch (IOException e) {
                // the client or the pod went away
            }
            close();
            ended();
        }

        void close() {
            PodPort s = socket;
            if (s != null) s.close();
            writer.shutdown();
        }

        private void ended() {
            if (open.decrementAndGet() == 0) {
                var _ =
                        channel.writeAndFlush(
                                        new CloseWebSocketFrame(
                                                WebSocketCloseStatus.NORMAL_CLOSURE))
                                .addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
