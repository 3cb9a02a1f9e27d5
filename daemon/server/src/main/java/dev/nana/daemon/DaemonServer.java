package dev.nana.daemon;

import dev.nana.ClientIo;
import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.cri.CriImageService;
import dev.nana.cri.CriRecords;
import dev.nana.cri.CriRuntimeService;
import dev.nana.cri.net.Cni;
import dev.nana.cri.stream.StreamServer;
import dev.nana.images.ImageStore;
import dev.nana.images.RegistryHosts;
import dev.nana.images.Sha256;
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
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nana's gRPC server on unix sockets: nana.v1.Containers over a Supervisor, the Kubernetes CRI
 * (runtime.v1) when a CRI socket is given, the standard health service, and server reflection. Both
 * sockets serve every service (as containerd's does). Each socket is 0600 (root only), or 0660
 * owned by a group when one is given, so its members may use nana too.
 *
 * <p>gRPC is loaded when its first client connects, not when the daemon starts: most users of the
 * daemon only ever use the thin CLI, and gRPC, Netty and protobuf are a third of the classes a
 * daemon would otherwise load (docs/BENCHMARKS.md). Until then a plain socket listens at each path.
 * The first client's connection loads gRPC, which is bound under temporary names and renamed over
 * the plain sockets: every later client connects to gRPC directly, and the few connections the
 * plain sockets accepted before that are relayed to it, byte for byte, for as long as they stay
 * open.
 */
public final class DaemonServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DaemonServer.class);

    /** How long calls in flight may take to answer once the daemon stops. */
    private static final long STOP_GRACE_MILLIS = 200;

    private final List<Listener> listeners;
    private final Supervisor supervisor;
    private final Cri cri; // null: no CRI
    private final GroupPrincipal group;
    private final Set<SocketChannel> relayed = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private GrpcServer grpc; // null until the first client; under lock
    private boolean closed; // under lock

    /** A socket path, and the plain socket that listens there until gRPC takes it over. */
    private record Listener(Path socket, ServerSocketChannel first) {}

    private DaemonServer(
            List<Listener> listeners, Supervisor supervisor, Cri cri, GroupPrincipal group) {
        this.listeners = listeners;
        this.supervisor = supervisor;
        this.cri = cri;
        this.group = group;
    }

    private static boolean isSocket(Path p) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0140000; // S_IFSOCK
    }

    /**
     * The CRI's part of a daemon.
     *
     * @param socket where the CRI is served (every other service too)
     * @param root where the CRI keeps its records: a folder of the state directory that is no
     *     container's
     * @param images nana's image store's folder
     * @param registries where images are pulled from
     * @param cni the pods' networks
     * @param streamAddress where the CRI's streaming server listens
     * @param streamIdleTimeout how long a streaming connection may carry nothing
     * @param streamUrlTtl how long a streaming URL waits for its connection
     * @param version nana's version, as the CRI's Version call answers it
     */
    public record Cri(
            Path socket,
            Path root,
            Path images,
            RegistryHosts registries,
            Cni cni,
            InetSocketAddress streamAddress,
            Duration streamIdleTimeout,
            Duration streamUrlTtl,
            String version) {}

    /**
     * Serves supervisor on socket, and the CRI unless cri is null; a stale socket file is replaced.
     * group (from {@link #group}) may be null.
     */
    public static DaemonServer start(
            Supervisor supervisor, Path socket, Cri cri, GroupPrincipal group) {
        // pulls hash every layer twice: with libcrypto's SHA-256 for jib's check too (Sha256)
        Sha256.preferNative();
        if (cri != null) {
            try {
                // before serving: nothing of a pod whose record cannot be read runs on unseen
                CriRecords.evictUnreadable(supervisor, cri.root(), cri.cni());
            } catch (IOException e) {
                log.warn("the CRI's records in {} cannot be read: {}", cri.root(), e.toString());
            }
            try {
                ImageStore.open(cri.images()).evictUnreadable();
            } catch (IOException | RuntimeException e) {
                log.warn("the image store in {} cannot be read: {}", cri.images(), e.toString());
            }
        }
        List<Listener> listeners = new ArrayList<>();
        try {
            // the CRI's first: a client that waits for the daemon's own socket finds both
            if (cri != null) listeners.add(listen(cri.socket(), group));
            listeners.add(listen(socket, group));
        } catch (RuntimeException e) {
            for (Listener l : listeners) {
                closeQuietly(l.first());
                deleteQuietly(l.socket());
            }
            throw e;
        }
        DaemonServer server = new DaemonServer(List.copyOf(listeners), supervisor, cri, group);
        for (Listener l : listeners) {
            Thread.ofVirtual().name("grpc-first-socket").start(() -> server.acceptFirstClients(l));
            log.info("serving on {}", l.socket());
        }
        return server;
    }

    /** Replaces a stale socket at path with a plain listening one, secured. */
    private static Listener listen(Path socket, GroupPrincipal group) {
        try {
            Files.createDirectories(socket.getParent());
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && !isSocket(socket)) {
                throw new dev.nana.InvalidArgumentException(
                        "socket \""
                                + socket
                                + "\" exists and is not a socket:"
                                + " nana replaces only a stale socket; remove it, or give another path");
            }
            // a stale socket of a dead daemon: the state lock says we are the only one
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UnavailableException(
                    "prepare socket \"" + socket + "\": " + e.getMessage(), e);
        }
        Path bound = temporaryName(socket, "first");
        ServerSocketChannel first = null;
        try {
            first = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            first.bind(UnixDomainSocketAddress.of(bound));
            placeSecured(bound, socket, group);
        } catch (IOException | RuntimeException e) {
            closeQuietly(first);
            deleteQuietly(bound);
            throw new UnavailableException("serve on \"" + socket + "\": " + e.getMessage(), e);
        }
        return new Listener(socket, first);
    }

    /** A sibling name to bind under before the socket is secured and renamed into place. */
    private static Path temporaryName(Path socket, String what) {
        return socket.resolveSibling(
                socket.getFileName() + "." + what + "-" + ProcessHandle.current().pid());
    }

    /**
     * Secures bound and renames it over socket: no client ever finds the socket before its mode and
     * group are right, and a client finds either the old socket or the new one, never none.
     */
    private static void placeSecured(Path bound, Path socket, GroupPrincipal g) throws IOException {
        if (g == null) {
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
        } else {
            Files.getFileAttributeView(bound, PosixFileAttributeView.class).setGroup(g);
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-rw----"));
        }
        Files.move(
                bound, socket, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Accepts on the plain socket until the daemon stops: the first connection loads gRPC; that one
     * and any accepted before gRPC took the path over are relayed to it.
     */
    private void acceptFirstClients(Listener listener) {
        try {
            while (true) {
                SocketChannel client = listener.first().accept();
                if (!grpcLoaded()) {
                    client.close(); // the daemon is stopping, or gRPC could not start
                    continue;
                }
                relay(client, listener.socket());
            }
        } catch (ClosedChannelException e) {
            // the daemon is stopping
        } catch (IOException e) {
            log.warn("the gRPC socket's first listener failed: {}", e.toString());
        }
    }

    /** Loads and starts gRPC once; false if the daemon is stopping or gRPC failed to start. */
    private boolean grpcLoaded() {
        synchronized (lock) {
            if (closed) return false;
            if (grpc != null) return true;
            long t0 = System.nanoTime();
            List<Path> bound = new ArrayList<>();
            for (Listener l : listeners) bound.add(temporaryName(l.socket(), "grpc"));
            try {
                grpc = GrpcServer.start(supervisor, cri, bound);
            } catch (RuntimeException e) {
                log.error("gRPC could not start on {}: {}", bound, e.toString());
                return false;
            }
            try {
                for (int i = 0; i < bound.size(); i++)
                    placeSecured(bound.get(i), listeners.get(i).socket(), group);
            } catch (IOException e) {
                log.error("gRPC could not take over {}: {}", listeners, e.toString());
                grpc.close();
                grpc = null;
                bound.forEach(DaemonServer::deleteQuietly);
                return false;
            }
            log.info(
                    "gRPC loaded for its first client in {} ms",
                    (System.nanoTime() - t0) / 1_000_000);
            return true;
        }
    }

    /** Relays client to gRPC at socket, both ways, on two virtual threads, until either closes. */
    private void relay(SocketChannel client, Path socket) throws IOException {
        SocketChannel upstream;
        try {
            upstream = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            client.close();
            log.warn("relay a first gRPC client: {}", e.toString());
            return;
        }
        relayed.add(client);
        relayed.add(upstream);
        AtomicInteger directions = new AtomicInteger(2);
        Runnable ended =
                () -> {
                    if (directions.decrementAndGet() > 0) return;
                    closeQuietly(client);
                    closeQuietly(upstream);
                    relayed.remove(client);
                    relayed.remove(upstream);
                };
        Thread.ofVirtual().name("grpc-relay-in").start(() -> pump(client, upstream, ended));
        Thread.ofVirtual().name("grpc-relay-out").start(() -> pump(upstream, client, ended));
    }

    /** Copies from one side to the other until its end; the last of the two closes both. */
    private static void pump(SocketChannel from, SocketChannel to, Runnable ended) {
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) to.write(buffer);
                buffer.clear();
            }
            to.shutdownOutput(); // the other direction goes on until its own end
        } catch (IOException e) {
            // either side went away (or the daemon stops): the other pump ends too
            closeQuietly(from);
            closeQuietly(to);
        } finally {
            ended.run();
        }
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

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            listeners.forEach(l -> closeQuietly(l.first()));
            if (grpc != null) grpc.close(); // calls end, saying why, before the relays close
            relayed.forEach(DaemonServer::closeQuietly);
        }
        listeners.forEach(l -> deleteQuietly(l.socket())); // the next daemon would replace them
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException e) {
            // closing what is going away
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // reporting the first failure
        }
    }

    /** gRPC and Netty, in a class of their own so that they load only when this one does. */
    private record GrpcServer(
            Server server,
            EventLoopGroup loop,
            HealthStatusManager health,
            ContainersService service,
            StreamServer streams) {
        static GrpcServer start(Supervisor supervisor, Cri cri, List<Path> bound) {
            EventLoopGroup loop = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
            HealthStatusManager health = new HealthStatusManager();
            ContainersService service = new ContainersService(supervisor);
            NettyServerBuilder builder =
                    NettyServerBuilder.forAddress(
                            new DomainSocketAddress(bound.getFirst().toString()));
            for (Path more : bound.subList(1, bound.size()))
                builder.addListenAddress(new DomainSocketAddress(more.toString()));
            builder.channelType(EpollServerDomainSocketChannel.class)
                    // calls wait on the supervisor: a virtual thread each, so that a burst of
                    // calls (thousands of event subscriptions) costs no pile of platform threads
                    .executor(Executors.newVirtualThreadPerTaskExecutor())
                    .bossEventLoopGroup(loop)
                    .workerEventLoopGroup(loop)
                    // not a TCP socket: no warning per connection
                    .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                    // a request is sized before it is parsed, and its parse held in the budget
                    .maxInboundMessageSize(RequestShares.MAX_REQUEST_BYTES)
                    .addService(RequestShares.guard(service))
                    .addService(health.getHealthService())
                    .addService(ProtoReflectionServiceV1.newInstance());
            StreamServer streams = null;
            if (cri != null) {
                try {
                    ImageStore images = ImageStore.open(cri.images());
                    streams =
                            StreamServer.start(
                                    cri.streamAddress(),
                                    cri.streamIdleTimeout(),
                                    cri.streamUrlTtl(),
                                    supervisor,
                                    ClientIo.of(cri.root().getParent()));
                    builder.addService(
                            RequestShares.guard(
                                    new CriRuntimeService(
                                            supervisor,
                                            cri.root(),
                                            images,
                                            cri.cni(),
                                            streams,
                                            cri.version())));
                    builder.addService(
                            RequestShares.guard(
                                    new CriImageService(images, cri.root(), cri.registries())));
                } catch (IOException e) {
                    if (streams != null) streams.close();
                    throw new UnavailableException(
                            "read the CRI's records in \"" + cri.root() + "\": " + e.getMessage(),
                            e);
                }
            }
            Server server = builder.build();
            try {
                server.start();
            } catch (IOException | RuntimeException e) {
                server.shutdownNow();
                if (streams != null) streams.close();
                var _ = loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                throw new UnavailableException("serve gRPC on " + bound + ": " + e.getMessage(), e);
            }
            health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
            health.setStatus("nana.v1.Containers", HealthCheckResponse.ServingStatus.SERVING);
            return new GrpcServer(server, loop, health, service, streams);
        }

        void close() {
            health.enterTerminalState();
            service.stopping(); // streams and waits end now, saying why, instead of holding the
            // stop
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
            if (streams != null) streams.close();
            var _ = loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }
}
