package dev.nana.client;

import dev.nana.ContainerId;
import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.EventFilter;
import dev.nana.EventSubscriber;
import dev.nana.ExitStatus;
import dev.nana.InvalidArgumentException;
import dev.nana.NanaException;
import dev.nana.Stdio;
import dev.nana.Subscription;
import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.grpc.Convert;
import dev.nana.grpc.Statuses;
import dev.nana.grpc.v1.AttachRequest;
import dev.nana.grpc.v1.CheckpointRequest;
import dev.nana.grpc.v1.CloseInputRequest;
import dev.nana.grpc.v1.ContainersGrpc;
import dev.nana.grpc.v1.DeleteRequest;
import dev.nana.grpc.v1.GetRequest;
import dev.nana.grpc.v1.KillRequest;
import dev.nana.grpc.v1.ListRequest;
import dev.nana.grpc.v1.PauseRequest;
import dev.nana.grpc.v1.ResizeRequest;
import dev.nana.grpc.v1.RestoreRequest;
import dev.nana.grpc.v1.ResumeRequest;
import dev.nana.grpc.v1.StartRequest;
import dev.nana.grpc.v1.StatsRequest;
import dev.nana.grpc.v1.WaitExecRequest;
import dev.nana.grpc.v1.WaitRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The {@link Supervisor} of a nana daemon, over gRPC on its unix socket: the same calls, results
 * and errors as the in-process supervisor. Obtain one with {@link Supervisor#connect(Path)}.
 */
public final class RemoteSupervisor implements Supervisor {
    private final Path socket;
    private final EventLoopGroup group;
    private final ManagedChannel channel;
    private final ContainersGrpc.ContainersBlockingStub blocking;
    private final ContainersGrpc.ContainersStub async;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("nana-client-retry").daemon().factory());
    private volatile boolean closed;

    private RemoteSupervisor(Path socket) {
        this.socket = socket;
        // a daemon thread: a program that forgets close() still exits
        this.group =
                new MultiThreadIoEventLoopGroup(
                        1,
                        new DefaultThreadFactory("nana-client", true),
                        EpollIoHandler.newFactory());
        this.channel =
                NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                        .channelType(EpollDomainSocketChannel.class)
                        .eventLoopGroup(group)
                        .withOption(ChannelOption.SO_KEEPALIVE, null)
                        .usePlaintext()
                        .build();
        this.blocking = ContainersGrpc.newBlockingStub(channel);
        this.async = ContainersGrpc.newStub(channel);
    }

    /**
     * Connects to the daemon listening on socket; fails at once, with {@link UnavailableException},
     * if none is: nothing there, something that is not a socket, or a socket no one listens on (a
     * daemon that died).
     */
    public static RemoteSupervisor connect(Path socket) {
        probe(socket);
        return new RemoteSupervisor(socket);
    }

    /** One plain connect, without gRPC: what is at socket, and does a daemon answer there. */
    private static void probe(Path socket) {
        String start =
                "start one with nana daemon, or use a supervisor of your own (Supervisor.builder())";
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            throw new UnavailableException(
                    "no nana daemon at \"" + socket + "\": nothing is there; " + start);
        }
        if (Files.isDirectory(socket) || Files.isRegularFile(socket)) {
            throw new UnavailableException(
                    "no nana daemon at \""
                            + socket
                            + "\": it is a "
                            + (Files.isDirectory(socket) ? "directory" : "regular file")
                            + ", not a socket; give the daemon's socket (its --address)");
        }
        try (SocketChannel _ = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            // a daemon accepts: the channel does the rest
        } catch (IOException e) {
            throw new UnavailableException(
                    "no nana daemon answers at \""
                            + socket
                            + "\" ("
                            + e.getMessage()
                            + "): a daemon that ran there has gone; "
                            + start,
                    e);
        }
    }

    private <T> T call(Supplier<T> rpc) {
        return call(rpc, false);
    }

    /**
     * A call that rides out a daemon's restart: while no daemon can be reached, it is sent again
     * every {@link Reconnect#PAUSE}, for {@link Reconnect#WINDOW} at most (a daemon restores
     * everything before it listens, in about a second). A call the daemon may have received before
     * it went (the connection broke under it) is sent again only when it is idempotent (reads, and
     * create or run with a request id); otherwise the caller is told it may have been done.
     */
    private <T> T call(Supplier<T> rpc, boolean idempotent) {
        requireOpen();
        long giveUp = System.nanoTime() + Reconnect.WINDOW.toNanos();
        while (true) {
            try {
                return rpc.get();
            } catch (StatusRuntimeException e) {
                if (!unreachable(e)) throw translate(e);
                boolean sent = !neverSent(e);
                if (sent && !idempotent)
                    throw new UnavailableException(
                            "the nana daemon at \""
                                    + socket
                                    + "\" went away during the call (a restart?): it may have been"
                                    + " done; look (state, list) before you make it again, or give"
                                    + " create and run a request id (ContainerSpec.Builder"
                                    + ".requestId) and nana makes them again itself",
                            e);
                if (closed || System.nanoTime() > giveUp) throw translate(e);
                try {
                    Thread.sleep(Reconnect.PAUSE);
                } catch (InterruptedException i) {
                    Thread.currentThread().interrupt();
                    CancellationException c =
                            new CancellationException(
                                    "interrupted while waiting for the nana daemon to come back");
                    c.initCause(e);
                    throw c;
                }
                // the channel backs off between its tries: a daemon back at the socket is tried
                // at once
                if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) channel.resetConnectBackoff();
            }
        }
    }

    /**
     * Whether the call failed to connect, so the daemon never saw it: refused, or (netty's
     * FileNotFoundException) the socket file not there yet while a daemon restarts.
     */
    private static boolean neverSent(StatusRuntimeException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause())
            if (t instanceof java.net.ConnectException
                    || t instanceof java.io.FileNotFoundException) return true;
        String d = String.valueOf(e.getStatus().getDescription());
        return d.contains("Connection refused") || d.contains("No such file");
    }

    /** Refuses a call on a closed supervisor, as the in-process one does. */
    private void requireOpen() {
        if (closed)
            throw new UnavailableException(
                    "this supervisor is closed: connect a new one to " + socket);
    }

    /** A transport failure (no daemon reached), not an UNAVAILABLE answer from the daemon. */
    private static boolean unreachable(StatusRuntimeException e) {
        return e.getStatus().getCode() == Status.Code.UNAVAILABLE
                && e.getStatus().getDescription() != null
                && !e.getStatus().getDescription().contains("\"");
    }

    private RuntimeException translate(StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.CANCELLED
                && e.getCause() instanceof InterruptedException) {
            // gRPC cancelled the call and kept the thread's interrupt: say so as Future.get would
            CancellationException c =
                    new CancellationException(
                            "interrupted while waiting for the nana daemon; the operation may"
                                    + " still complete");
            c.initCause(e);
            return c;
        }
        if (unreachable(e)) {
            return new UnavailableException(
                    "cannot reach the nana daemon at \""
                            + socket
                            + "\": "
                            + e.getStatus().getDescription()
                            + "; is it running? (nana daemon)",
                    e);
        }
        return Statuses.fromStatus(e);
    }

    @Override
    public ContainerInfo create(ContainerSpec spec) {
        return call(
                () -> Convert.fromProto(blocking.create(Convert.toProto(spec))),
                spec.requestId() != null);
    }

    @Override
    public ContainerInfo start(String id) {
        ContainerId.require(id, "container id");
        return call(
                () ->
                        Convert.fromProto(
                                blocking.start(StartRequest.newBuilder().setId(id).build())));
    }

    @Override
    public ContainerInfo run(ContainerSpec spec) {
        return call(
                () -> Convert.fromProto(blocking.run(Convert.toProto(spec))),
                spec.requestId() != null);
    }

    @Override
    public ContainerInfo update(String id, dev.nana.Resources resources) {
        ContainerId.require(id, "container id");
        return call(() -> Convert.fromProto(blocking.update(Convert.toProto(id, resources))));
    }

    @Override
    public dev.nana.Stats stats(String id) {
        ContainerId.require(id, "container id");
        return call(
                () ->
                        Convert.fromProto(
                                blocking.stats(StatsRequest.newBuilder().setId(id).build())),
                true);
    }

    @Override
    public void checkpoint(String id, Path imagePath, boolean leaveRunning, Path criu) {
        ContainerId.require(id, "container id");
        call(
                () ->
                        blocking.checkpoint(
                                CheckpointRequest.newBuilder()
                                        .setId(id)
                                        .setImagePath(imagePath.toString())
                                        .setLeaveRunning(leaveRunning)
                                        .setCriu(criu == null ? "" : criu.toString())
                                        .build()));
    }

    @Override
    public ContainerInfo restore(ContainerSpec spec, Path imagePath, Path criu) {
        return call(
                () ->
                        Convert.fromProto(
                                blocking.restore(
                                        RestoreRequest.newBuilder()
                                                .setContainer(Convert.toProto(spec))
                                                .setImagePath(imagePath.toString())
                                                .setCriu(criu == null ? "" : criu.toString())
                                                .build())));
    }

    @Override
    public dev.nana.ExecInfo exec(String id, dev.nana.ExecSpec spec) {
        ContainerId.require(id, "container id");
        return call(
                () -> {
                    var r = blocking.exec(Convert.toProto(id, spec));
                    return new dev.nana.ExecInfo(r.getId(), r.getExecId(), r.getPid());
                });
    }

    @Override
    public dev.nana.ExecHandle launch(String id, dev.nana.ExecSpec spec) {
        ContainerId.require(id, "container id");
        requireOpen();
        RemoteExec exec = new RemoteExec(async, id, Convert.toProto(id, spec), this::translate);
        dev.nana.ExecInfo info = exec.awaitStarted();
        // the stream's last message is the exit; a stream cut before it (the handle closed, the
        // daemon restarting) asks for the exit on its own, which rides out a restart
        CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        var _ =
                exec.exit()
                        .whenComplete(
                                (status, failure) -> {
                                    if (failure == null) {
                                        exit.complete(status);
                                        return;
                                    }
                                    var _ =
                                            waitForExec(id, info.execId())
                                                    .whenComplete(
                                                            (s, f) -> {
                                                                if (f == null) exit.complete(s);
                                                                else exit.completeExceptionally(f);
                                                            });
                                });
        return new dev.nana.spi.ExecStreams(
                this, info, exec.output(), exec.error(), exec.input(), exit, exec::cancel);
    }

    @Override
    public CompletableFuture<ExitStatus> waitForExec(String id, String execId) {
        ContainerId.require(id, "container id");
        WaitExecRequest request = WaitExecRequest.newBuilder().setId(id).setExecId(execId).build();
        return awaitExit(observer -> async.waitExec(request, observer));
    }

    @Override
    public ContainerInfo pause(String id) {
        ContainerId.require(id, "container id");
        return call(
                () ->
                        Convert.fromProto(
                                blocking.pause(PauseRequest.newBuilder().setId(id).build())));
    }

    @Override
    public ContainerInfo resume(String id) {
        ContainerId.require(id, "container id");
        return call(
                () ->
                        Convert.fromProto(
                                blocking.resume(ResumeRequest.newBuilder().setId(id).build())));
    }

    @Override
    public void attach(String id, Stdio stdio) {
        ContainerId.require(id, "container id");
        if (stdio == null || stdio.stdout() == null)
            throw new InvalidArgumentException(
                    "attach to \"" + id + "\" needs the client's stdout FIFO at least");
        call(
                () ->
                        blocking.attach(
                                AttachRequest.newBuilder()
                                        .setId(id)
                                        .setStdio(Convert.toProto(stdio))
                                        .build()));
    }

    @Override
    public void resize(String id, String execId, int rows, int columns) {
        ContainerId.require(id, "container id");
        call(
                () ->
                        blocking.resize(
                                ResizeRequest.newBuilder()
                                        .setId(id)
                                        .setExecId(execId == null ? "" : execId)
                                        .setRows(rows)
                                        .setColumns(columns)
                                        .build()));
    }

    @Override
    public void closeInput(String id, String execId) {
        ContainerId.require(id, "container id");
        call(
                () ->
                        blocking.closeInput(
                                CloseInputRequest.newBuilder()
                                        .setId(id)
                                        .setExecId(execId == null ? "" : execId)
                                        .build()));
    }

    @Override
    public void kill(String id, int signal, boolean all) {
        ContainerId.require(id, "container id");
        call(
                () ->
                        blocking.kill(
                                KillRequest.newBuilder()
                                        .setId(id)
                                        .setSignal(signal)
                                        .setAll(all)
                                        .build()));
    }

    @Override
    public void delete(String id, boolean force) {
        ContainerId.require(id, "container id");
        call(() -> blocking.delete(DeleteRequest.newBuilder().setId(id).setForce(force).build()));
    }

    @Override
    public InputStream output(String id) {
        ContainerId.require(id, "container id");
        var _ = state(id); // refuses a container there is not, at once, as in-process
        return new RemoteOutput(async, id, false, this::translate);
    }

    @Override
    public InputStream attachOutput(String id) {
        ContainerId.require(id, "container id");
        requireOpen();
        RemoteOutput out = new RemoteOutput(async, id, true, this::translate);
        out.awaitAttached(); // so that a start sent next finds the reader in place
        return out;
    }

    @Override
    public OutputStream input(String id) {
        ContainerId.require(id, "container id");
        requireOpen();
        return new RemoteInput(async, id, this::translate);
    }

    @Override
    public List<ContainerInfo> list() {
        return call(
                () ->
                        blocking.list(ListRequest.getDefaultInstance()).getContainersList().stream()
                                .map(Convert::fromProto)
                                .toList(),
                true);
    }

    @Override
    public ContainerInfo state(String id) {
        ContainerId.require(id, "container id");
        return call(
                () -> Convert.fromProto(blocking.get(GetRequest.newBuilder().setId(id).build())),
                true);
    }

    @Override
    public CompletableFuture<ExitStatus> waitForExit(String id) {
        ContainerId.require(id, "container id");
        WaitRequest request = WaitRequest.newBuilder().setId(id).build();
        return awaitExit(observer -> async.wait(request, observer));
    }

    /**
     * A wait that outlives the daemon: if its stream breaks before the answer (the daemon
     * restarts), it is asked again; the restarted daemon restores the container and answers with
     * its exit, even one that happened while it was down.
     */
    private CompletableFuture<ExitStatus> awaitExit(
            Consumer<StreamObserver<dev.nana.grpc.v1.ExitStatus>> rpc) {
        requireOpen();
        CompletableFuture<ExitStatus> f = new CompletableFuture<>();
        Reconnect reconnect = new Reconnect();
        Runnable[] attempt = new Runnable[1];
        attempt[0] =
                () ->
                        rpc.accept(
                                new StreamObserver<>() {
                                    @Override
                                    public void onNext(dev.nana.grpc.v1.ExitStatus value) {
                                        f.complete(Convert.fromProto(value));
                                    }

                                    @Override
                                    public void onError(Throwable t) {
                                        ended(t);
                                    }

                                    @Override
                                    public void onCompleted() {
                                        if (!f.isDone()) ended(null);
                                    }

                                    private void ended(Throwable t) {
                                        if (f.isDone()) return; // cancelled by its caller
                                        if (!closed && reconnect.again(t)) later(attempt[0]);
                                        else
                                            f.completeExceptionally(
                                                    t instanceof StatusRuntimeException s
                                                            ? translate(s)
                                                            : new UnavailableException(
                                                                    "the nana daemon at \""
                                                                            + socket
                                                                            + "\" went away and"
                                                                            + " did not come back"));
                                    }
                                });
        attempt[0].run();
        return f;
    }

    @Override
    public Subscription subscribe(EventFilter filter, Instant since, EventSubscriber listener) {
        Objects.requireNonNull(listener, "listener");
        requireOpen();
        return new RemoteSubscription(
                this, filter == null ? EventFilter.ALL : filter, since, listener);
    }

    ContainersGrpc.ContainersStub async() {
        return async;
    }

    boolean isClosed() {
        return closed;
    }

    /** Runs r after a pause, on the client's timer, with the channel told to connect at once. */
    void later(Runnable r) {
        if (closed) return;
        try {
            var _ =
                    timer.schedule(
                            () -> {
                                channel.resetConnectBackoff();
                                r.run();
                            },
                            Reconnect.PAUSE.toMillis(),
                            TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    NanaException translateForListener(StatusRuntimeException e) {
        return translate(e) instanceof NanaException n
                ? n
                : new UnavailableException(e.getStatus().toString(), e);
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        var _ =
                group.shutdownGracefully(
                        0, 0, TimeUnit.MILLISECONDS); // no quiet period: a CLI exits at once
    }
}
