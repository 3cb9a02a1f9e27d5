package dev.nana.cri.stream;

import dev.nana.ClientIo;
import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.cri.v1.AttachRequest;
import dev.nana.cri.v1.ExecRequest;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CRI's streaming server: the URLs that Exec, Attach and PortForward answer lead here, as the
 * kubelet's streaming server's do (containerd's {@code stream_server_address}), on 127.0.0.1 and a
 * port of its own by default. Each URL holds a single-use token ({@link StreamTokens}) for the
 * request the CRI accepted; a connection upgrades to SPDY/3.1 or WebSocket ({@link StreamRouter})
 * and streams the process ({@link ProcessStream}) or forwards the pod's ports ({@link PodPort}).
 * One event loop thread serves every connection: nothing blocks on it (writes to a process wait on
 * the stream's own thread).
 */
public final class StreamServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamServer.class);

    /** A request line and its headers, at most (a token URL is short). */
    static final int MAX_REQUEST_BYTES = 16 << 10;

    /** Connections open at once, at most: one past it is closed as it comes. */
    static final int MAX_CONNECTIONS = 1024;

    /** How long a connection may take to send its request (the kubelet's stream creation's). */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final EventLoopGroup loop;
    private final Channel listener;
    private final String base;
    private final StreamTokens<StreamRequest> tokens;

    private StreamServer(
            EventLoopGroup loop,
            Channel listener,
            String base,
            StreamTokens<StreamRequest> tokens) {
        this.loop = loop;
        this.listener = listener;
        this.base = base;
        this.tokens = tokens;
    }

    /**
     * Listens on address (port 0: one of the system's choosing) and streams the execs and attaches
     * of the supervisor's containers, whose FIFOs io makes; a connection that carries nothing for
     * idleTimeout is closed (one that has not sent its request within {@link #REQUEST_TIMEOUT}, or
     * idleTimeout if shorter, too); a URL not connected to within urlTtl is refused.
     */
    public static StreamServer start(
            InetSocketAddress address,
            Duration idleTimeout,
            Duration urlTtl,
            Supervisor supervisor,
            ClientIo io) {
        StreamTokens<StreamRequest> tokens = new StreamTokens<>(Clock.systemUTC(), urlTtl);
        AtomicInteger connections = new AtomicInteger();
        Duration requestTimeout =
                idleTimeout.compareTo(REQUEST_TIMEOUT) < 0 ? idleTimeout : REQUEST_TIMEOUT;
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel listener =
                    new ServerBootstrap()
                            .group(loop)
                            .channel(NioServerSocketChannel.class)
                            .childHandler(
                                    new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        protected void initChannel(SocketChannel ch) {
                                            if (connections.incrementAndGet() > MAX_CONNECTIONS) {
                                                connections.decrementAndGet();
                                                log.warn(
                                                        "the streaming server has {} connections"
                                                                + " open: one more from {} is"
                                                                + " closed",
                                                        MAX_CONNECTIONS,
                                                        ch.remoteAddress());
                                                var _ = ch.close();
                                                return;
                                            }
                                            var _ =
                                                    ch.closeFuture()
                                                            .addListener(
                                                                    _ ->
                                                                            connections
                                                                                    .decrementAndGet());
                                            ch.pipeline()
                                                    .addLast(
                                                            new IdleStateHandler(
                                                                    0,
                                                                    0,
                                                                    idleTimeout.toMillis(),
                                                                    TimeUnit.MILLISECONDS))
                                                    .addLast(new IdleCloser())
                                                    .addLast(new HttpServerCodec())
                                                    .addLast(
                                                            new HttpObjectAggregator(
                                                                    MAX_REQUEST_BYTES))
                                                    .addLast(
                                                            new StreamRouter(
                                                                    tokens,
                                                                    supervisor,
                                                                    io,
                                                                    requestTimeout));
                                        }
                                    })
                            .bind(address)
                            .sync()
                            .channel();
            InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
            String host = bound.getAddress().getHostAddress();
            if (host.contains(":")) host = "[" + host + "]";
            String base = "http://" + host + ":" + bound.getPort();
            log.info("the CRI's streaming server listens on {}", base);
            return new StreamServer(loop, listener, base, tokens);
        } catch (Exception e) {
            var _ = loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new UnavailableException(
                    "the CRI's streaming server cannot listen on "
                            + address
                            + ": "
                            + e.getMessage()
                            + " (--stream-address chooses another)",
                    e);
        }
    }

    /** The URL an Exec answers: a token for this request, good for one connection. */
    public String execUrl(ExecRequest r) {
        return base
                + "/exec/"
                + tokens.issue(
                        new ProcessStream.Request(
                                r.getContainerId(),
                                List.copyOf(r.getCmdList()),
                                r.getTty(),
                                r.getStdin(),
                                r.getStdout(),
                                r.getStderr(),
                                false,
                                false));
    }

    /**
     * The URL an Attach answers: a token for this request, good for one connection; stdinOnce: the
     * container's stdin closes when the client's does (else it stays open for the next).
     */
    public String attachUrl(AttachRequest r, boolean stdinOnce) {
        return base
                + "/attach/"
                + tokens.issue(
                        new ProcessStream.Request(
                                r.getContainerId(),
                                List.of(),
                                r.getTty(),
                                r.getStdin(),
                                r.getStdout(),
                                r.getStderr(),
                                true,
                                stdinOnce));
    }

    /**
     * The URL a PortForward answers: a token for the pod's ports (netns: the namespace they are in,
     * null for a pod on the node's network), good for one connection.
     */
    public String portForwardUrl(String sandboxId, Path netns, List<Integer> ports) {
        return base
                + "/portforward/"
                + tokens.issue(new StreamRequest.Ports(sandboxId, netns, List.copyOf(ports)));
    }

    /** Where it listens, as http://host:port. */
    public String base() {
        return base;
    }

    /** Closes a connection that carried nothing for the idle timeout. */
    private static final class IdleCloser extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent) {
                var _ = ctx.close();
            } else ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void close() {
        var _ = listener.close().awaitUninterruptibly();
        var _ = loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
