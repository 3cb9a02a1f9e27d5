package dev.nana.daemon;

import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nana's gRPC server on a unix socket: nana.v1.Containers over a Supervisor, the standard health
 * service, and server reflection. The socket is 0600 (root only), or 0660 owned by a group when one
 * is given, so its members may use nana too.
 */
public final class DaemonServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DaemonServer.class);

    private final Path socket;
    private final Server server;
    private final EventLoopGroup group;
    private final HealthStatusManager health;
    private final ContainersService service;

    /** How long calls in flight may take to answer once the daemon stops. */
    private static final long STOP_GRACE_MILLIS = 200;

    private DaemonServer(
            Path socket,
            Server server,
            EventLoopGroup group,
            HealthStatusManager health,
            ContainersService service) {
        this.socket = socket;
        this.server = server;
        this.group = group;
        this.health = health;
        this.service = service;
    }

    private static boolean isSocket(Path p) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0140000; // S_IFSOCK
    }

    /**
     * Serves supervisor on socket (replacing a stale socket file); group (from {@link #group}) may
     * be null.
     */
    public static DaemonServer start(Supervisor supervisor, Path socket, GroupPrincipal group) {
        try {
            Files.createDirectories(socket.getParent());
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && !isSocket(socket)) {
                throw new dev.nana.InvalidArgumentException(
                        "socket \""
                                + socket
                                + "\" exists and is not a socket:"
                                + " nana replaces only a stale socket; remove it, or give another --socket");
            }
            Files.deleteIfExists(
                    socket); // a stale socket of a dead daemon: the state lock says we are the only
            // one
        } catch (IOException e) {
            throw new UnavailableException(
                    "prepare socket \"" + socket + "\": " + e.getMessage(), e);
        }
        // bound under a temporary name, secured, then renamed into place: no client ever
        // finds the socket before its mode and group are right
        Path bound =
                socket.resolveSibling(
                        socket.getFileName() + ".new-" + ProcessHandle.current().pid());
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        HealthStatusManager health = new HealthStatusManager();
        ContainersService service = new ContainersService(supervisor);
        Server server =
                NettyServerBuilder.forAddress(new DomainSocketAddress(bound.toString()))
                        .channelType(EpollServerDomainSocketChannel.class)
                        // calls wait on the supervisor: a virtual thread each, so that a burst of
                        // calls
                        // (thousands of event subscriptions) costs no pile of platform threads
                        .executor(Executors.newVirtualThreadPerTaskExecutor())
                        .bossEventLoopGroup(loop)
                        .workerEventLoopGroup(loop)
                        .withChildOption(
                                ChannelOption.SO_KEEPALIVE,
                                null) // not a TCP socket: no warning per connection
                        .addService(service)
                        .addService(health.getHealthService())
                        .addService(ProtoReflectionServiceV1.newInstance())
                        .build();
        try {
            server.start();
            secure(bound, group);
            Files.move(
                    bound,
                    socket,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(bound);
            } catch (IOException ignored) {
                // reporting the first failure
            }
            server.shutdownNow();
            var _ = loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new UnavailableException("serve on \"" + socket + "\": " + e.getMessage(), e);
        }
        health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
        health.setStatus("nana.v1.Containers", HealthCheckResponse.ServingStatus.SERVING);
        log.info("serving on {}", socket);
        return new DaemonServer(socket, server, loop, health, service);
    }

    /**
     * The group a --group socket is for, looked up once for both of the daemon's sockets; null for
     * none.
     */
    public static GroupPrincipal group(Path socket, String name) {
        if (name == null) return null;
        try {
            return socket.getFileSystem()
                    .getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(name);
        } catch (IOException e) {
            throw new UnavailableException(
                    "group \""
                            + name
                            + "\" does not exist: create it (groupadd "
                            + name
                            + "), or leave --group out for a root-only socket",
                    e);
        }
    }

    private static void secure(Path socket, GroupPrincipal g) throws IOException {
        if (g == null) {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return;
        }
        Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(g);
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
    }

    public Path socket() {
        return socket;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public void close() {
        health.enterTerminalState();
        service.stopping(); // streams and waits end now, saying why, instead of holding the stop
        server.shutdown();
        try {
            // calls in flight get a moment to answer; past it they are cancelled (the
            // supervisor's work goes on, and restore finishes it)
            if (!server.awaitTermination(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS))
                server.shutdownNow();
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        var _ = group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // the next daemon replaces it
        }
    }
}
