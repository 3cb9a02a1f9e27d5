package dev.nana.it.cri;

import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.RuntimeServiceGrpc;
import dev.nana.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.state.StateDir;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What most CRI streaming tests start from: a daemon (with the given options), busybox imported,
 * the CRI's runtime service, and one pod of its own network running one container. Closing it stops
 * the daemon and removes what it made.
 */
final class CriPod implements AutoCloseable {
    final NanaCli nana;
    final RuntimeServiceBlockingStub cri;
    final PodSandboxConfig config;
    final String podId;
    final String container;
    private final Path work;
    private final GrpcChannel grpc;

    private CriPod(
            NanaCli nana,
            Path work,
            GrpcChannel grpc,
            PodSandboxConfig config,
            String podId,
            String container) {
        this.nana = nana;
        this.work = work;
        this.grpc = grpc;
        this.cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
        this.config = config;
        this.podId = podId;
        this.container = container;
    }

    /** A pod named name whose container "app" runs script, on a daemon started with options. */
    static CriPod start(String name, String script, String... daemonOptions) throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-" + name + "-");
        NanaCli nana = new NanaCli();
        GrpcChannel grpc = null;
        try {
            nana.startDaemon(daemonOptions);
            OciLayouts.importBusybox(nana, work, "1000");
            grpc = GrpcChannel.open(nana.socket.resolveSibling("cri.sock"));
            RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(grpc.channel());
            PodSandboxConfig config = CriCalls.pod(name, NamespaceMode.POD).build();
            String podId = CriCalls.runPod(cri, config);
            String c =
                    CriCalls.startContainer(cri, podId, config, CriCalls.container("app", script));
            return new CriPod(nana, work, grpc, config, podId, c);
        } catch (Exception | Error e) {
            if (grpc != null) grpc.close();
            nana.close();
            StateDir.deleteTree(work);
            throw e;
        }
    }

    @Override
    public void close() throws java.io.IOException {
        try {
            grpc.close();
            nana.close();
        } finally {
            StateDir.deleteTree(work);
        }
    }
}
