package dev.nana.cri.stream;

import dev.nana.ReaderGoneException;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyHeaders;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * One SPDY/3.1 connection after its upgrade, as Kubernetes' clients speak it (spdystream, in
 * crictl, kubectl and the kubelet): the client opens streams (SYN_STREAM, whose headers say what
 * each carries), the server answers each (SYN_REPLY) and both write DATA frames, a FIN ending one
 * side of a stream. spdystream does no flow control (it neither sends nor heeds WINDOW_UPDATE), so
 * neither does this side: the TCP connection is the back-pressure. The client's frames are read one
 * at a time: the next once the last is handed on ({@link Streams#data}'s resume), so a process that
 * does not read its stdin holds the client back, as a pipe would.
 */
final class SpdyConnection extends SimpleChannelInboundHandler<SpdyFrame> {
    /** What the connection's streams are for: a remote command, or port-forwards. */
    interface Streams {
        /** The connection is in place: from now on streams may open. */
        void begin(SpdyConnection connection);

        /**
         * A stream the client opened, with its headers; false refuses it (the connection resets
         * it).
         */
        boolean opened(int id, SpdyHeaders headers);

        /**
         * Data the client sent on a stream (last: the client's side of it ended); resume is run
         * once it is handed on, and lets the client's next frame be read.
         */
        void data(int id, byte[] data, boolean last, Runnable resume);

        /** The client reset a stream. */
        void reset(int id);

        /** The connection ended, whichever side ended it. */
        void closed();
    }

    /**
     * Streams a client may have open at once, at most (an exec needs five; a port-forward two per
     * connection it forwards, which count no more once both sides have ended them).
     */
    static final int MAX_STREAMS = 256;

    /** The most a DATA frame of this side carries. */
    static final int MAX_DATA_FRAME = 1 << 16;

    private final Streams streams;
    // touched on the event loop only: a stream is forgotten once both sides have ended it
    private final Set<Integer> open = new HashSet<>();
    private final Set<Integer> clientEnded = new HashSet<>();
    private final Set<Integer> serverEnded = new HashSet<>();
    private volatile Channel channel;
    private volatile int lastClientStream; // written on the event loop only

    SpdyConnection(Streams streams) {
        this.streams = streams;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        channel.config().setAutoRead(false);
    }

    /** The upgrade's answer is out: the client's frames are read. */
    void begin() {
        streams.begin(this);
        channel.read();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, SpdyFrame frame) {
        switch (frame) {
            case SpdySynStreamFrame syn -> {
                int id = syn.streamId();
                // a client's streams are odd and rise; one out of order is a protocol error
                if (id % 2 == 0 || id <= lastClientStream) {
                    goAway(ctx);
                    return;
                }
                lastClientStream = id;
                if (open.size() >= MAX_STREAMS || !streams.opened(id, syn.headers())) {
                    var _ =
                            ctx.writeAndFlush(
                                    new DefaultSpdyRstStreamFrame(
                                            id, SpdyStreamStatus.REFUSED_STREAM));
                } else {
                    open.add(id);
                    // a header block with no header is empty in netty's encoding, and the
                    // client's parser takes an empty block for a broken connection: the answer
                    // repeats the stream's type
                    DefaultSpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(id);
                    String type = syn.headers().getAsString(RemoteCommand.STREAM_TYPE);
                    reply.headers().set(RemoteCommand.STREAM_TYPE, type == null ? "" : type);
                    var _ = ctx.writeAndFlush(reply);
                    if (syn.isLast()) {
                        ended(clientEnded, id);
                        streams.data(id, new byte[0], true, () -> {});
                    }
                }
                ctx.read();
            }
            case SpdyDataFrame d -> {
                if (!open.contains(d.streamId())) {
                    ctx.read();
                    return;
                }
                if (d.isLast()) ended(clientEnded, d.streamId());
                streams.data(
                        d.streamId(),
                        ByteBufUtil.getBytes(d.content()),
                        d.isLast(),
                        () -> channel.read());
            }
            case SpdyRstStreamFrame r -> {
                if (open.contains(r.streamId())) {
                    forget(r.streamId());
                    streams.reset(r.streamId());
                }
                ctx.read();
            }
            case SpdyPingFrame p -> {
                // a client's pings are odd; the answer echoes its id
                if (p.id() % 2 != 0) {
                    var _ = ctx.writeAndFlush(new DefaultSpdyPingFrame(p.id()));
                }
                ctx.read();
            }
            case SpdyGoAwayFrame g -> {
                var _ = ctx.close();
            }
            default -> ctx.read(); // settings, window updates, headers: nothing of this protocol
        }
    }

    /** One side ended stream id: once both have, it is forgotten (it counts no more). */
    private void ended(Set<Integer> side, int id) {
        if (!open.contains(id)) return;
        side.add(id);
        if (clientEnded.contains(id) && serverEnded.contains(id)) forget(id);
    }

    private void forget(int id) {
        open.remove(id);
        clientEnded.remove(id);
        serverEnded.remove(id);
    }

    private void goAway(ChannelHandlerContext ctx) {
        var _ =
                ctx.writeAndFlush(new DefaultSpdyGoAwayFrame(lastClientStream))
                        .addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Writes data on a stream, in frames of at most {@link #MAX_DATA_FRAME}; returns once it is
     * written (the client's pace is the writer's). Never call it on the event loop.
     */
    void send(int id, byte[] data, int off, int len) throws IOException {
        Channel c = channel;
        for (int at = off; at < off + len; ) {
            int n = Math.min(MAX_DATA_FRAME, off + len - at);
            ChannelFuture f =
                    c.writeAndFlush(
                                    new DefaultSpdyDataFrame(
                                            id, Unpooled.copiedBuffer(data, at, n)))
                            .awaitUninterruptibly();
            if (!f.isSuccess())
                throw new ReaderGoneException("the streaming client went away", f.cause());
            at += n;
        }
    }

    /** Ends this side of a stream (a DATA frame with FIN); a stream closed already is no error. */
    ChannelFuture finish(int id) {
        DefaultSpdyDataFrame fin = new DefaultSpdyDataFrame(id);
        fin.setLast(true);
        ChannelFuture sent = channel.writeAndFlush(fin);
        channel.eventLoop().execute(() -> ended(serverEnded, id));
        return sent;
    }

    /** Resets a stream, as the server's answer to something it cannot serve on it. */
    void reset(int id) {
        var _ = channel.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.CANCEL));
        channel.eventLoop().execute(() -> forget(id));
    }

    /** The event loop that serves the connection. */
    io.netty.channel.EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** Ends the connection once what was written is out. */
    void close() {
        var _ =
                channel.writeAndFlush(new DefaultSpdyGoAwayFrame(lastClientStream))
                        .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        streams.closed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        var _ = ctx.close(); // a frame that breaks the protocol, or a connection reset
    }
}
