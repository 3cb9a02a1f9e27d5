package dev.nana.bench.cri;

import dev.nana.cri.v1.ContainerConfig;
import dev.nana.cri.v1.ContainerMetadata;
import dev.nana.cri.v1.CreateContainerRequest;
import dev.nana.cri.v1.ImageServiceGrpc;
import dev.nana.cri.v1.ImageSpec;
import dev.nana.cri.v1.ListPodSandboxRequest;
import dev.nana.cri.v1.PodSandbox;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.PodSandboxMetadata;
import dev.nana.cri.v1.PullImageRequest;
import dev.nana.cri.v1.RemovePodSandboxRequest;
import dev.nana.cri.v1.RunPodSandboxRequest;
import dev.nana.cri.v1.RuntimeServiceGrpc;
import dev.nana.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.nana.cri.v1.StartContainerRequest;
import dev.nana.cri.v1.StopPodSandboxRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Pod start through a CRI socket, as a kubelet starts a pod: RunPodSandbox, CreateContainer,
 * StartContainer. The same client for nana's socket and containerd's (nana's proto is
 * wire-compatible with runtime.v1), so that the two are measured on the same calls. Prints one JSON
 * object: the pull's seconds, each pod start's milliseconds (and its three calls'), and the seconds
 * a batch of pods took, a few at a time. Stops and removes every pod it made.
 *
 * <pre>
 *   PodStart --socket PATH --image REF --logs DIR [--starts 10] [--pods 20] [--parallel 5]
 * </pre>
 */
public final class PodStart {
    private final RuntimeServiceBlockingStub cri;
    private final String image;
    private final Path logs;
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    private PodStart(RuntimeServiceBlockingStub cri, String image, Path logs) {
        this.cri = cri;
        this.image = image;
        this.logs = logs;
    }

    /** The three calls' times of one pod start, in nanoseconds. */
    private record Start(String pod, long sandbox, long create, long start) {
        long total() {
            return sandbox + create + start;
        }
    }

    private Start startPod(String name) {
        PodSandboxConfig config =
                PodSandboxConfig.newBuilder()
                        .setMetadata(
                                PodSandboxMetadata.newBuilder()
                                        .setName(name)
                                        .setNamespace("bench")
                                        .setUid(run + "-" + name))
                        .setHostname(name)
                        .setLogDirectory(logs.resolve(name).toString())
                        .build();
        long t0 = System.nanoTime();
        String pod =
                cri.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
                        .getPodSandboxId();
        long t1 = System.nanoTime();
        String container =
                cri.createContainer(
                                CreateContainerRequest.newBuilder()
                                        .setPodSandboxId(pod)
                                        .setSandboxConfig(config)
                                        .setConfig(
                                                ContainerConfig.newBuilder()
                                                        .setMetadata(
                                                                ContainerMetadata.newBuilder()
                                                                        .setName("sleep"))
                                                        .setImage(
                                                                ImageSpec.newBuilder()
                                                                        .setImage(image))
                                                        .addCommand("sleep")
                                                        .addArgs("1000")
                                                        .setLogPath("sleep.log"))
                                        .build())
                        .getContainerId();
        long t2 = System.nanoTime();
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(container).build());
        long t3 = System.nanoTime();
        return new Start(pod, t1 - t0, t2 - t1, t3 - t2);
    }

    private void removePod(String pod) {
        cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    }

    /** Every pod of this namespace: what a run cut short left. */
    private void removeAll() {
        for (PodSandbox p :
                cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
            if (p.getMetadata().getNamespace().equals("bench")) removePod(p.getId());
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    private static String list(List<String> xs) {
        return "[" + String.join(",", xs) + "]";
    }

    public static void main(String[] args) throws Exception {
        String socket = null, image = null, logs = null;
        int starts = 10, pods = 20, parallel = 5;
        for (int i = 0; i < args.length; i += 2) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            if (v == null) throw new IllegalArgumentException(args[i] + " needs a value");
            switch (args[i]) {
                case "--socket" -> socket = v;
                case "--image" -> image = v;
                case "--logs" -> logs = v;
                case "--starts" -> starts = Integer.parseInt(v);
                case "--pods" -> pods = Integer.parseInt(v);
                case "--parallel" -> parallel = Integer.parseInt(v);
                default ->
                        throw new IllegalArgumentException(
                                "unknown argument " + args[i] + " (see PodStart's javadoc)");
            }
        }
        if (socket == null || image == null || logs == null)
            throw new IllegalArgumentException("give --socket, --image and --logs");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        ManagedChannel channel =
                NettyChannelBuilder.forAddress(new DomainSocketAddress(socket))
                        .channelType(EpollDomainSocketChannel.class)
                        .eventLoopGroup(group)
                        .withOption(ChannelOption.SO_KEEPALIVE, null) // not a TCP socket
                        .usePlaintext()
                        .build();
        try {
            PodStart bench =
                    new PodStart(RuntimeServiceGrpc.newBlockingStub(channel), image, Path.of(logs));
            long p0 = System.nanoTime();
            ImageServiceGrpc.newBlockingStub(channel)
                    .pullImage(
                            PullImageRequest.newBuilder()
                                    .setImage(ImageSpec.newBuilder().setImage(image))
                                    .build());
            long pull = System.nanoTime() - p0;
            // warm: the first pods of a runtime pay for its caches (and containerd's for its
            // pause image's unpack)
            for (int i = 0; i < 2; i++) bench.removePod(bench.startPod("warm-" + i).pod());

            List<String> total = new ArrayList<>(), sandbox = new ArrayList<>();
            List<String> create = new ArrayList<>(), start = new ArrayList<>();
            for (int i = 0; i < starts; i++) {
                Start s = bench.startPod("one-" + i);
                total.add(ms(s.total()));
                sandbox.add(ms(s.sandbox()));
                create.add(ms(s.create()));
                start.add(ms(s.start()));
                bench.removePod(s.pod());
            }

            ExecutorService pool = Executors.newFixedThreadPool(parallel);
            List<Future<Start>> started = new ArrayList<>();
            long b0 = System.nanoTime();
            for (int i = 0; i < pods; i++) {
                String name = "batch-" + i;
                started.add(pool.submit(() -> bench.startPod(name)));
            }
            List<String> made = new ArrayList<>();
            for (Future<Start> f : started) made.add(f.get().pod());
            long batch = System.nanoTime() - b0;
            List<Future<?>> removed = new ArrayList<>();
            for (String pod : made) removed.add(pool.submit(() -> bench.removePod(pod)));
            for (Future<?> f : removed) f.get();
            pool.shutdown();
            bench.removeAll();

            System.out.println(
                    "{\"pull_s\":"
                            + String.format(Locale.ROOT, "%.3f", pull / 1e9)
                            + ",\"start_ms\":"
                            + list(total)
                            + ",\"sandbox_ms\":"
                            + list(sandbox)
                            + ",\"create_ms\":"
                            + list(create)
                            + ",\"startcall_ms\":"
                            + list(start)
                            + ",\"batch_s\":"
                            + String.format(Locale.ROOT, "%.3f", batch / 1e9)
                            + ",\"pods\":"
                            + pods
                            + ",\"parallel\":"
                            + parallel
                            + "}");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
