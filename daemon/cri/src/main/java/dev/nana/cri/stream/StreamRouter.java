package dev.nana.cri.stream;

import dev.nana.ClientIo;
import dev.nana.Supervisor;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A connection's first request: the token in its path is redeemed (once), and the connection
 * upgrades to the protocol it asks for. Anything else is answered with a status and a line that
 * says what to do, and closed.
 */
final class StreamRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** The largest message a client may send (stdin in pieces; resize messages are tiny). */
    static final int MAX_FRAME_BYTES = 1 << 20;

    private final StreamTokens<ProcessStream.Request> tokens;
    private final Supervisor supervisor;
    private final ClientIo io;

    StreamRouter(StreamTokens<ProcessStream.Request> tokens, Supervisor supervisor, ClientIo io) {
        this.tokens = tokens;
        this.supervisor = supervisor;
        this.io = io;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String path = req.uri();
        int q = path.indexOf('?');
        if (q >= 0) path = path.substring(0, q);
        boolean attach = path.startsWith("/attach/");
        if (!attach && !path.startsWith("/exec/")) {
            refuse(
                    ctx,
                    HttpResponseStatus.NOT_FOUND,
                    "nana's streaming server serves the URLs its CRI's Exec and Attach answer"
                            + " (/exec/TOKEN, /attach/TOKEN)");
            return;
        }
        Optional<ProcessStream.Request> process =
                tokens.redeem(path.substring(path.indexOf('/', 1) + 1))
                        .filter(r -> r.attach() == attach);
        if (process.isEmpty()) {
            refuse(
                    ctx,
                    HttpResponseStatus.NOT_FOUND,
                    "this streaming URL is unknown, used or expired (a URL serves one connection,"
                            + " within a minute): ask the CRI again");
            return;
        }
        if (!"websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE, ""))) {
            refuse(
                    ctx,
                    HttpResponseStatus.BAD_REQUEST,
                    "nana's streaming server speaks WebSocket ("
                            + String.join(", ", RemoteCommand.WEBSOCKET_PROTOCOLS)
                            + "); ask for an upgrade to websocket");
            return;
        }
        WebSocketServerHandshaker handshaker =
                new WebSocketServerHandshakerFactory(
                                "ws://" + req.headers().get(HttpHeaderNames.HOST, "") + req.uri(),
                                String.join(",", RemoteCommand.WEBSOCKET_PROTOCOLS),
                                WebSocketDecoderConfig.newBuilder()
                                        .maxFramePayloadLength(MAX_FRAME_BYTES)
                                        .allowExtensions(false)
                                        .build())
                        .newHandshaker(req);
        if (handshaker == null) {
            var _ = WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        String asked = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, "");
        if (RemoteCommand.WEBSOCKET_PROTOCOLS.stream().noneMatch(asked::contains)) {
            refuse(
                    ctx,
                    HttpResponseStatus.BAD_REQUEST,
                    "no subprotocol nana speaks was asked for (Sec-WebSocket-Protocol: "
                            + asked
                            + "); nana speaks "
                            + String.join(", ", RemoteCommand.WEBSOCKET_PROTOCOLS));
            return;
        }
        // in place before the handshake's answer, so that no message of the client's passes it;
        // the process starts once the answer is out, so that nothing is written before it
        WebSocketStream stream =
                new WebSocketStream(
                        asked.contains(RemoteCommand.V5) ? RemoteCommand.V5 : RemoteCommand.V4,
                        process.get(),
                        supervisor,
                        io);
        ctx.pipeline().replace(this, "stream", stream);
        handshaker
                .handshake(ctx.channel(), req)
                .addListener(
                        (ChannelFutureListener)
                                f -> {
                                    if (f.isSuccess()) stream.begin();
                                    else {
                                        var _ = f.channel().close(); // the client went away
                                    }
                                });
    }

    private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String why) {
        FullHttpResponse r =
                new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        status,
                        Unpooled.copiedBuffer(why + "\n", StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        HttpUtil.setContentLength(r, r.content().readableBytes());
        var _ = ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        var _ = ctx.close();
    }
}
