package dev.nana.cli;

import dev.nana.cri.image.RegistryHosts;
import dev.nana.cri.net.Cni;
import dev.nana.daemon.DaemonServer;
import dev.nana.supervisor.LocalSupervisor;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nana daemon}: restores the state directory, then serves the gRPC API on a unix socket.
 * SIGTERM or SIGINT stop the daemon and leave every container running.
 */
@Command(
        name = "daemon",
        mixinStandardHelpOptions = true,
        description = {
            "Run the nana daemon: restore the state directory, then serve the gRPC API (nana.v1) on a unix socket.",
            "SIGTERM and SIGINT stop it and leave every container running; the next daemon restores them."
        })
public final class DaemonCommand extends Subcommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(DaemonCommand.class);

    @Option(
            names = "--socket",
            paramLabel = "PATH",
            description = "socket to serve on (default: --address)")
    Path socket;

    @Option(
            names = "--runtime",
            paramLabel = "NAME|PATH",
            defaultValue = "${NANA_RUNTIME:-runc}",
            description =
                    "default runtime for containers that name none (default: ${DEFAULT-VALUE})")
    String runtime;

    @Option(
            names = "--max-concurrent-starts",
            paramLabel = "N",
            defaultValue = "10",
            description = "creates and starts under way at once (default: ${DEFAULT-VALUE})")
    int maxConcurrentStarts;

    @Option(
            names = "--runtime-timeout",
            paramLabel = "SECONDS",
            defaultValue = "60",
            description =
                    "how long a runtime call (create, start, kill, delete…) may take before it is killed and"
                            + " reported as hanging (default: ${DEFAULT-VALUE})")
    double runtimeTimeout;

    @Option(
            names = "--no-fast-start",
            description =
                    "start every container with `<runtime> start` (by default the shim"
                            + " starts runc and crun containers through the runtime's exec FIFO, one runtime process fewer)")
    boolean noFastStart;

    @Option(
            names = "--cri-socket",
            paramLabel = "PATH",
            description =
                    "serve the Kubernetes CRI (runtime.v1) here too, for a kubelet or crictl"
                            + " (default: cri.sock beside --socket, e.g. /run/nana/cri.sock)")
    Path criSocket;

    @Option(
            names = "--registry-config",
            paramLabel = "DIR",
            description =
                    "the registry mirror table for image pulls: DIR/HOST/hosts.toml, in containerd's"
                            + " form (default: /etc/nana/certs.d)")
    Path registryConfig = RegistryHosts.DEFAULT_DIR;

    /**
     * The mirror table pulls use in this process: the daemon's --registry-config once a daemon runs
     * here (nana image pull from a thin client runs in it), else the default.
     */
    private static volatile RegistryHosts registries = new RegistryHosts(RegistryHosts.DEFAULT_DIR);

    static RegistryHosts registries() {
        return registries;
    }

    private static RegistryHosts registries(Path dir) {
        registries = new RegistryHosts(dir);
        return registries;
    }

    @Option(
            names = "--cni-conf-dir",
            paramLabel = "DIR",
            description =
                    "the CNI network configurations for pods; the first file's network is used, and"
                            + " nana installs its own bridge network when there is none"
                            + " (default: /etc/cni/net.d)")
    Path cniConfDir = Cni.DEFAULT_CONF_DIR;

    @Option(
            names = "--cni-bin-dir",
            paramLabel = "DIR",
            description =
                    "where CNI plugins are looked for, in order; repeatable"
                            + " (default: /opt/cni/bin, /usr/lib/cni)")
    List<Path> cniBinDirs;

    @Option(names = "--no-cri", description = "serve no CRI socket")
    boolean noCri;

    @Option(
            names = "--group",
            paramLabel = "NAME",
            description = "make the socket 0660 for this group (default: root only, 0600)")
    String group;

    @Option(
            names = "--debug",
            arity = "0..1",
            fallbackValue = "nana",
            paramLabel = "nana|all",
            description =
                    "log at debug level: nana's own log (each restored container, each request); with =all,"
                            + " every library's too (gRPC, Netty)")
    String debug;

    @Option(
            names = "--metrics-address",
            paramLabel = "HOST:PORT",
            description =
                    "serve Prometheus metrics on http://HOST:PORT/metrics (off by default), e.g. 127.0.0.1:9464")
    String metricsAddress;

    /**
     * bin/nana-jvm tells the daemon when it runs without its AOT cache (none recorded, or older
     * than the jars since a rebuild): it then restarts slower (0.91 s instead of 0.73 s with 100
     * containers, measured) and holds ~20 MB more, which no one would otherwise learn.
     */
    private static void warnWithoutAotCache() {
        String aot = System.getProperty("nana.aotCache");
        if (aot == null) return;
        log.warn(
                "running without its AOT cache ({}): {} is {}; scripts/make-aot-cache records it"
                        + " (a faster start, less memory)",
                aot,
                System.getProperty("nana.home", "NANA_HOME") + "/build/nana-daemon.aot",
                aot.equals("stale") ? "older than the jars, rebuilt since" : "not there");
    }

    /**
     * The state directory belongs on a tmpfs (as /run is on a standard host): its contents mean
     * nothing after a reboot, and on a disk every state write's fsync costs milliseconds on the
     * start path (docs/BENCHMARKS.md).
     */
    private static void warnUnlessTmpfs(Path stateDir) {
        try {
            String type = Files.getFileStore(stateDir).type();
            if (!type.equals("tmpfs") && !type.equals("ramfs")) {
                log.warn(
                        "state directory {} is on {}, not a tmpfs: each state write is synced to disk, which slows every"
                                + " start; mount a tmpfs there (as /run is on a standard host)",
                        stateDir,
                        type);
            }
        } catch (IOException e) {
            // nothing to say
        }
    }

    @Override
    public Integer call() throws Exception {
        NanaCommand.prebuildForwardedTree(); // beside the restore, on the other core
        Path sock = socket != null ? socket : nana.global.address;
        if (debug != null && !debug.equals("nana") && !debug.equals("all")) {
            throw new dev.nana.InvalidArgumentException(
                    "--debug="
                            + debug
                            + ": give --debug (nana's own log) or --debug=all"
                            + " (every library's too)");
        }
        if (!(runtimeTimeout > 0)) {
            throw new dev.nana.InvalidArgumentException(
                    "--runtime-timeout " + runtimeTimeout + " must be more than 0 seconds");
        }
        if (noCri && criSocket != null) {
            throw new dev.nana.InvalidArgumentException(
                    "--cri-socket " + criSocket + " and --no-cri: give one of them, not both");
        }
        if (criSocket != null
                && criSocket
                        .toAbsolutePath()
                        .normalize()
                        .equals(sock.toAbsolutePath().normalize())) {
            throw new dev.nana.InvalidArgumentException(
                    "--cri-socket " + criSocket + " is the daemon's own socket: give another path");
        }
        // both sockets are for this group: looked up once, before anything is restored
        GroupPrincipal socketGroup = DaemonServer.group(sock, group);
        LocalSupervisor supervisor =
                LocalSupervisor.builder()
                        .stateDir(nana.global.stateDir)
                        .defaultRuntime(runtime)
                        .maxConcurrentStarts(maxConcurrentStarts)
                        .fastStart(!noFastStart)
                        .daemon(true)
                        .lockWait(Duration.ofSeconds(60))
                        .timeout(Duration.ofMillis(Math.round(runtimeTimeout * 1000)))
                        .build();
        // the thin CLI's socket first: once the gRPC socket answers, both do
        ForwardServer forward;
        try {
            forward = ForwardServer.start(sock, supervisor, socketGroup);
        } catch (IOException | RuntimeException e) {
            supervisor.close();
            throw new dev.nana.UnavailableException(
                    "serve the thin CLI on \""
                            + ForwardServer.socketFor(sock)
                            + "\": "
                            + e.getMessage(),
                    e);
        }
        DaemonServer server;
        try {
            DaemonServer.Cri cri =
                    noCri
                            ? null
                            : new DaemonServer.Cri(
                                    criSocket != null ? criSocket : sock.resolveSibling("cri.sock"),
                                    nana.global.stateDir.resolve(StateDir.CRI),
                                    nana.global.stateDir.resolve(
                                            dev.nana.cri.image.ImageStore.FOLDER),
                                    registries(registryConfig),
                                    new Cni(
                                            cniConfDir,
                                            cniBinDirs == null ? Cni.DEFAULT_BIN_DIRS : cniBinDirs),
                                    VersionCommand.version());
            server = DaemonServer.start(supervisor, sock, cri, socketGroup);
        } catch (RuntimeException e) {
            forward.close();
            supervisor.close();
            throw e;
        }
        com.sun.net.httpserver.HttpServer metrics = null;
        if (metricsAddress != null) {
            try {
                metrics = MetricsEndpoint.start(metricsAddress, supervisor);
            } catch (RuntimeException | IOException e) {
                server.close();
                forward.close();
                supervisor.close();
                throw new dev.nana.InvalidArgumentException(
                        "--metrics-address \""
                                + metricsAddress
                                + "\": "
                                + e.getMessage()
                                + "; give HOST:PORT such as 127.0.0.1:9464",
                        e);
            }
        }
        com.sun.net.httpserver.HttpServer metricsServer = metrics;
        log.info(
                "nana daemon pid {}: {} containers restored from {}, serving on {}",
                ProcessHandle.current().pid(),
                supervisor.restoredCount(),
                nana.global.stateDir,
                sock);
        warnUnlessTmpfs(nana.global.stateDir);
        warnWithoutAotCache();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        Thread.ofPlatform()
                                .unstarted(
                                        () -> {
                                            log.info("stopping; containers keep running");
                                            if (metricsServer != null) metricsServer.stop(0);
                                            forward.close();
                                            server.close();
                                            supervisor.close();
                                            stopped.countDown();
                                        }));
        stopped.await();
        return 0;
    }
}
