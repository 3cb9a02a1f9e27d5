package dev.nana.cri.stream;

import dev.nana.ClientIo;
import dev.nana.Supervisor;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A connection's first request: the token in its path is redeemed (once), and the connection
 * upgrades to the protocol it asks for: SPDY/3.1 (crictl, kubectl and the kubelet, with the version
 * of the remote-command or port-forward protocol in {@code X-Stream-Protocol-Version}) or WebSocket
 * (a {@code channel.k8s.io} subprotocol). Anything else is answered with a status and a line that
 * says what to do, and closed.
 */
final class StreamRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** The largest message a client may send (stdin in pieces; resize messages are tiny). */
    static final int MAX_FRAME_BYTES = 1 << 20;

    /** Ports one WebSocket port-forward may name, at most. */
    static final int MAX_WEBSOCKET_PORTS = 16;

    static final String SPDY = "SPDY/3.1";
    static final String PROTOCOL_VERSION = "X-Stream-Protocol-Version";

    private static final List<String> PATHS = List.of("/exec/", "/attach/", "/portforward/");

    private final StreamTokens<StreamRequest> tokens;
    private final Supervisor supervisor;
    private final ClientIo io;
    private final Duration requestTimeout;
    private ScheduledFuture<?> deadline;

    StreamRouter(
            StreamTokens<StreamRequest> tokens,
            Supervisor supervisor,
            ClientIo io,
            Duration requestTimeout) {
        this.tokens = tokens;
        this.supervisor = supervisor;
        this.io = io;
        this.requestTimeout = requestTimeout;
    }

    /** A client that does not send its request in time is let go (a slow one holds nothing). */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline =
                ctx.executor()
                        .schedule(
                                () -> {
                                    var _ = ctx.close();
                                },
                                requestTimeout.toMillis(),
                                TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deadline.cancel(false);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        String path = uri.path();
        String kind = PATHS.stream().filter(path::startsWith).findFirst().orElse(null);
        if (kind == null) {
            refuse(
                    ctx,
                    HttpResponseStatus.NOT_FOUND,
                    "nana's streaming server serves the URLs its CRI's Exec, Attach and PortForward"
                            + " answer (/exec/TOKEN, /attach/TOKEN, /portforward/TOKEN)");
            return;
        }
        Optional<StreamRequest> redeemed =
                tokens.redeem(path.substring(kind.length()))
                        .filter(
                                r ->
                                        switch (r) {
                                            case ProcessStream.Request p ->
                                                    p.attach() == kind.equals("/attach/")
                                                            && !kind.equals("/portforward/");
                                            case StreamRequest.Ports _ ->
                                                    kind.equals("/portforward/");
                                        });
        if (redeemed.isEmpty()) {
            refuse(
                    ctx,
                    HttpResponseStatus.NOT_FOUND,
                    "this streaming URL is unknown, used or expired (a URL serves one connection,"
                            + " within a minute): ask the CRI again");
            return;
        }
        String upgrade = req.headers().get(HttpHeaderNames.UPGRADE, "");
        if (SPDY.equalsIgnoreCase(upgrade)) spdy(ctx, req, redeemed.get());
        else if ("websocket".equalsIgnoreCase(upgrade)) webSocket(ctx, req, uri, redeemed.get());
        else
            refuse(
                    ctx,
                    HttpResponseStatus.BAD_REQUEST,
                    "nana's streaming server speaks SPDY/3.1 (Upgrade: SPDY/3.1, with "
                            + PROTOCOL_VERSION
                            + ") and WebSocket (Upgrade: websocket, with a subprotocol of "
                            + String.join(", ", RemoteCommand.WEBSOCKET_PROTOCOLS)
                            + "): ask for an upgrade to one");
    }

    /** Upgrades to SPDY/3.1 with the newest protocol version both sides speak. */
    private void spdy(ChannelHandlerContext ctx, FullHttpRequest req, StreamRequest r) {
        List<String> served =
                r instanceof StreamRequest.Ports
                        ? List.of(SpdyPortForward.PROTOCOL)
                        : RemoteCommand.SPDY_PROTOCOLS;
        List<String> offered = new ArrayList<>();
        for (String h : req.headers().getAll(PROTOCOL_VERSION))
            for (String v : COMMA.split(h, -1)) if (!v.isBlank()) offered.add(v.strip());
        String chosen = offered.stream().filter(served::contains).findFirst().orElse(null);
        if (chosen == null) {
            refuse(
                    ctx,
                    HttpResponseStatus.FORBIDDEN,
                    "unable to upgrade: no protocol version nana serves was offered ("
                            + PROTOCOL_VERSION
                            + ": "
                            + String.join(", ", offered)
                            + "); nana serves "
                            + String.join(", ", served));
            return;
        }
        SpdyConnection connection =
                new SpdyConnection(
                        switch (r) {
                            case ProcessStream.Request p ->
                                    new SpdyRemoteCommand(chosen, p, supervisor, io);
                            case StreamRequest.Ports p -> new SpdyPortForward(p);
                        });
        FullHttpResponse answer =
                new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
        answer.headers()
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                .set(HttpHeaderNames.UPGRADE, SPDY)
                .set(PROTOCOL_VERSION, chosen);
        // encoded by the HTTP codec on this call, which then gives way to SPDY's
        ChannelFuture sent = ctx.writeAndFlush(answer);
        ChannelPipeline p = ctx.pipeline();
        p.remove(HttpObjectAggregator.class);
        p.replace(
                HttpServerCodec.class,
                "spdy",
                new SpdyFrameCodec(SpdyVersion.SPDY_3_1, 8192, MAX_HEADER_BYTES, 6, 15, 8));
        p.replace(this, "stream", connection);
        var _ =
                sent.addListener(
                        (ChannelFutureListener)
                                f -> {
                                    if (f.isSuccess()) connection.begin();
                                    else {
                                        var _ = f.channel().close(); // the client went away
                                    }
                                });
    }

    /** The most a SPDY header block may hold, decompressed. */
    static final int MAX_HEADER_BYTES = 16 << 10;

    private static final Pattern COMMA = Pattern.compile(",");

    private void webSocket(
            ChannelHandlerContext ctx,
            FullHttpRequest req,
            QueryStringDecoder uri,
            StreamRequest r) {
        List<String> subprotocols =
                r instanceof StreamRequest.Ports
                        ? List.of(WebSocketPortForward.PROTOCOL)
                        : RemoteCommand.WEBSOCKET_PROTOCOLS;
        String asked = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, "");
        if (subprotocols.stream().noneMatch(asked::contains)) {
            refuse(
                    ctx,
                    HttpResponseStatus.BAD_REQUEST,
                    "no subprotocol nana speaks was asked for (Sec-WebSocket-Protocol: "
                            + asked
                            + "); nana speaks "
                            + String.join(", ", subprotocols));
            return;
        }
        ChannelHandler stream;
        Runnable begin;
        switch (r) {
            case ProcessStream.Request p -> {
                WebSocketStream s =
                        new WebSocketStream(
                                asked.contains(RemoteCommand.V5)
                                        ? RemoteCommand.V5
                                        : RemoteCommand.V4,
                                p,
                                supervisor,
                                io);
                stream = s;
                begin = s::begin;
            }
            case StreamRequest.Ports p -> {
                List<Integer> ports = ports(uri.parameters().get("port"), p.ports());
                if (ports == null) {
                    refuse(
                            ctx,
                            HttpResponseStatus.BAD_REQUEST,
                            "a port-forward over WebSocket names its ports, 1 to "
                                    + MAX_WEBSOCKET_PORTS
                                    + " of them, each from 1 to 65535 (?port=80&port=8080)");
                    return;
                }
                WebSocketPortForward f = new WebSocketPortForward(p, ports);
                stream = f;
                begin = f::begin;
            }
        }
        WebSocketServerHandshaker handshaker =
                new WebSocketServerHandshakerFactory(
                                "ws://" + req.headers().get(HttpHeaderNames.HOST, "") + req.uri(),
                                String.join(",", subprotocols),
                                WebSocketDecoderConfig.newBuilder()
                                        .maxFramePayloadLength(MAX_FRAME_BYTES)
                                        .allowExtensions(false)
                                        .build())
                        .newHandshaker(req);
        if (handshaker == null) {
            var _ = WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        // in place before the handshake's answer, so that no message of the client's passes it;
        // the stream starts once the answer is out, so that nothing is written before it
        ctx.pipeline().replace(this, "stream", stream);
        handshaker
                .handshake(ctx.channel(), req)
                .addListener(
                        (ChannelFutureListener)
                                f -> {
                                    if (f.isSuccess()) begin.run();
                                    else {
                                        var _ = f.channel().close(); // the client went away
                                    }
                                });
    }

    /** The ports a WebSocket port-forward names (else the CRI request's); null when bad. */
    private static List<Integer> ports(List<String> asked, List<Integer> requested) {
        List<Integer> ports = new ArrayList<>();
        if (asked == null || asked.isEmpty()) ports.addAll(requested);
        else
            for (String a : asked)
                for (String one : COMMA.split(a, -1)) {
                    try {
                        ports.add(Integer.parseInt(one.strip()));
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
        if (ports.isEmpty()
                || ports.size() > MAX_WEBSOCKET_PORTS
                || ports.stream().anyMatch(p -> p < 1 || p > 65535)) return null;
        return ports;
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
