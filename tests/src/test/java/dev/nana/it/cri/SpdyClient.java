package dev.nana.it.cri;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A SPDY/3.1 client as Kubernetes' clients (spdystream) speak it, over netty's SPDY codec: the HTTP
 * upgrade with {@code X-Stream-Protocol-Version}, streams opened and answered, data and FIN. What
 * arrives on each stream is counted and hashed (its first 64 KiB kept as text).
 */
final class SpdyClient implements AutoCloseable {
    /** What one stream received. */
    static final class Received {
        private final ByteArrayOutputStream text = new ByteArrayOutputStream();
        private final MessageDigest digest;
        private long count;
        final CompletableFuture<SpdySynReplyFrame> replied = new CompletableFuture<>();
        final CompletableFuture<Boolean> ended = new CompletableFuture<>(); // true: reset

        Received() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        synchronized void add(ByteBuf b) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            count += bytes.length;
            digest.update(bytes);
            if (text.size() < 1 << 16) text.writeBytes(bytes);
        }

        synchronized String text() {
            return text.toString(StandardCharsets.UTF_8);
        }

        synchronized long count() {
            return count;
        }

        synchronized String sha256() {
            return HexFormat.of().formatHex(digest.digest());
        }

        /** Waits for the server's FIN (false) or reset (true). */
        boolean awaitEnd() throws Exception {
            return ended.get(120, TimeUnit.SECONDS);
        }
    }

    private final EventLoopGroup group;
    private final Channel channel;
    private final String protocol;
    private final Map<Integer, Received> streams = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private int nextId = 1;

    private SpdyClient(EventLoopGroup group, Channel channel, String protocol) {
        this.group = group;
        this.channel = channel;
        this.protocol = protocol;
    }

    /** The HTTP status and body of an upgrade the server refused. */
    static final class Refused extends Exception {
        final int status;
        final String body;

        Refused(int status, String body) {
            super(status + " " + body);
            this.status = status;
            this.body = body;
        }
    }

    /** Connects to url and upgrades to SPDY/3.1, offering protocols in order. */
    static SpdyClient connect(String url, String... protocols) throws Exception {
        URI uri = URI.create(url);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        CompletableFuture<FullHttpResponse> answer = new CompletableFuture<>();
        CompletableFuture<SpdyClient> ready = new CompletableFuture<>();
        try {
            Channel ch =
                    new Bootstrap()
                            .group(group)
                            .channel(NioSocketChannel.class)
                            .handler(
                                    new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        protected void initChannel(SocketChannel c) {
                                            c.pipeline()
                                                    .addLast("http", new HttpClientCodec())
                                                    .addLast(
                                                            "aggregate",
                                                            new HttpObjectAggregator(1 << 16))
                                                    .addLast(
                                                            "upgrade",
                                                            new Upgrade(group, answer, ready));
                                        }
                                    })
                            .connect(uri.getHost(), uri.getPort())
                            .sync()
                            .channel();
            DefaultFullHttpRequest req =
                    new DefaultFullHttpRequest(
                            HttpVersion.HTTP_1_1, HttpMethod.POST, uri.getPath());
            req.headers()
                    .set(HttpHeaderNames.HOST, uri.getHost() + ":" + uri.getPort())
                    .set(HttpHeaderNames.CONNECTION, "Upgrade")
                    .set(HttpHeaderNames.UPGRADE, "SPDY/3.1")
                    .set(HttpHeaderNames.CONTENT_LENGTH, 0);
            for (String p : protocols) req.headers().add("X-Stream-Protocol-Version", p);
            var _ = ch.writeAndFlush(req);
            FullHttpResponse r = answer.get(10, TimeUnit.SECONDS);
            if (!r.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                String body = r.content().toString(StandardCharsets.UTF_8);
                r.release();
                var _ = ch.close();
                throw new Refused(r.status().code(), body);
            }
            return ready.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            var _ = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Waits for the 101, then turns the connection into SPDY's. */
    private static final class Upgrade extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final EventLoopGroup group;
        private final CompletableFuture<FullHttpResponse> answer;
        private final CompletableFuture<SpdyClient> ready;

        Upgrade(
                EventLoopGroup group,
                CompletableFuture<FullHttpResponse> answer,
                CompletableFuture<SpdyClient> ready) {
            super(false);
            this.group = group;
            this.answer = answer;
            this.ready = ready;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
            if (r.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                SpdyClient client =
                        new SpdyClient(
                                group, ctx.channel(), r.headers().get("X-Stream-Protocol-Version"));
                ctx.pipeline().remove("aggregate");
                ctx.pipeline().replace("http", "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
                ctx.pipeline().replace(this, "frames", client.new Frames());
                ready.complete(client);
            }
            answer.complete(r);
        }
    }

    /** The server's frames, to the streams they belong to. */
    private final class Frames extends SimpleChannelInboundHandler<SpdyFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, SpdyFrame f) {
            switch (f) {
                case SpdySynReplyFrame r -> stream(r.streamId()).replied.complete(r);
                case SpdyDataFrame d -> {
                    Received s = stream(d.streamId());
                    s.add(d.content());
                    if (d.isLast()) s.ended.complete(false);
                }
                case SpdyRstStreamFrame r -> {
                    Received s = stream(r.streamId());
                    s.replied.completeExceptionally(new IllegalStateException("reset"));
                    s.ended.complete(true);
                }
                case SpdyGoAwayFrame g -> {}
                default -> {}
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            for (Received s : streams.values()) {
                s.replied.completeExceptionally(new IllegalStateException("connection closed"));
                s.ended.complete(true);
            }
            closed.complete(null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            var _ = ctx.close();
        }
    }

    private Received stream(int id) {
        return streams.computeIfAbsent(id, _ -> new Received());
    }

    /** The protocol version the server chose. */
    String protocol() {
        return protocol;
    }

    /** Opens a stream with these headers; returns its id once the server answered it. */
    int open(Map<String, String> headers) throws Exception {
        int id;
        synchronized (this) {
            id = nextId;
            nextId += 2;
        }
        Received s = stream(id);
        DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
        headers.forEach((k, v) -> syn.headers().set(k, v));
        channel.writeAndFlush(syn).sync();
        s.replied.get(10, TimeUnit.SECONDS);
        return id;
    }

    /** Opens a stream whose only header is its type. */
    int open(String streamType) throws Exception {
        return open(Map.of("streamtype", streamType));
    }

    /** Opens a port-forward stream (type "data" or "error") of a request, for port. */
    int openPort(String type, int port, String requestId) throws Exception {
        return open(
                Map.of("streamtype", type, "port", Integer.toString(port), "requestid", requestId));
    }

    /** What the command of an exec URL (without stdin) wrote to stdout, over v4, once it ended. */
    static String stdoutOf(String url) throws Exception {
        try (SpdyClient s = connect(url, "v4.channel.k8s.io")) {
            int error = s.open("error");
            int out = s.open("stdout");
            s.open("stderr");
            s.received(error).awaitEnd();
            return s.received(out).text();
        }
    }

    void write(int id, byte[] data) throws Exception {
        for (int at = 0; at < data.length; at += 1 << 15) {
            int n = Math.min(1 << 15, data.length - at);
            channel.writeAndFlush(new DefaultSpdyDataFrame(id, Unpooled.copiedBuffer(data, at, n)))
                    .sync();
        }
    }

    /** Writes bytes on the connection beneath SPDY's framing (to break it). */
    void writeRaw(byte[] bytes) throws Exception {
        channel.pipeline().firstContext().writeAndFlush(Unpooled.wrappedBuffer(bytes)).sync();
    }

    /** Ends this side of a stream (FIN). */
    void finish(int id) throws Exception {
        DefaultSpdyDataFrame fin = new DefaultSpdyDataFrame(id);
        fin.setLast(true);
        channel.writeAndFlush(fin).sync();
    }

    Received received(int id) {
        return stream(id);
    }

    /** Waits until the server closes the connection. */
    void awaitClosed() throws Exception {
        closed.get(120, TimeUnit.SECONDS);
    }

    /** Reads nothing more from the server: its writes wait in the kernel's buffers, then stop. */
    void stopReading() {
        channel.config().setAutoRead(false);
    }

    /** Goes away at once, as a client that dies does. */
    void abort() {
        var _ = channel.close();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
