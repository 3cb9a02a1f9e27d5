package dev.nana.daemon;

import dev.nana.InvalidArgumentException;
import dev.nana.UnavailableException;
import dev.nana.cri.net.Cni;
import dev.nana.daemon.forward.ForwardServer;
import dev.nana.images.ImageStore;
import dev.nana.images.RegistryHosts;
import dev.nana.spi.CommandRunner;
import dev.nana.spi.DaemonLauncher;
import dev.nana.supervisor.LocalSupervisor;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon, wired: a {@link LocalSupervisor} restored from the state directory, then the thin
 * client's forwarding socket, the gRPC API with the CRI beside it, and metrics when asked for. It
 * serves until SIGTERM or SIGINT, which stop it and leave every container running. {@code nana
 * daemon} (the CLI) parses the command line and finds this through {@link DaemonLauncher}.
 */
public final class Daemon implements DaemonLauncher {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    @Override
    public int serve(Settings s, CommandRunner commands) throws Exception {
        commands.prepare(); // beside the restore, on the other core
        // both sockets are for this group: looked up once, before anything is restored
        GroupPrincipal socketGroup = DaemonServer.group(s.socket(), s.group());
        LocalSupervisor supervisor =
                LocalSupervisor.builder()
                        .stateDir(s.stateDir())
                        .defaultRuntime(s.defaultRuntime())
                        .maxConcurrentStarts(s.maxConcurrentStarts())
                        .fastStart(s.fastStart())
                        .daemon(true)
                        .lockWait(Duration.ofSeconds(60))
                        .timeout(s.runtimeTimeout())
                        .build();
        // the thin CLI's socket first: once the gRPC socket answers, both do
        ForwardServer forward;
        try {
            forward = ForwardServer.start(s.socket(), supervisor, commands, socketGroup);
        } catch (IOException | RuntimeException e) {
            supervisor.close();
            throw new UnavailableException(
                    "serve the thin CLI on \""
                            + ForwardServer.socketFor(s.socket())
                            + "\": "
                            + e.getMessage(),
                    e);
        }
        DaemonServer server;
        try {
            DaemonServer.Cri cri =
                    s.criSocket() == null
                            ? null
                            : new DaemonServer.Cri(
                                    s.criSocket(),
                                    s.stateDir().resolve(StateDir.CRI),
                                    s.stateDir().resolve(ImageStore.FOLDER),
                                    new RegistryHosts(s.registryConfig()),
                                    new Cni(
                                            s.cniConfDir() != null
                                                    ? s.cniConfDir()
                                                    : Cni.DEFAULT_CONF_DIR,
                                            s.cniBinDirs() != null
                                                    ? s.cniBinDirs()
                                                    : Cni.DEFAULT_BIN_DIRS),
                                    streamAddress(s.streamAddress()),
                                    s.streamIdleTimeout(),
                                    s.streamUrlTtl(),
                                    s.version());
            server = DaemonServer.start(supervisor, s.socket(), cri, socketGroup);
        } catch (RuntimeException e) {
            forward.close();
            supervisor.close();
            throw e;
        }
        com.sun.net.httpserver.HttpServer metrics = null;
        if (s.metricsAddress() != null) {
            try {
                metrics = MetricsEndpoint.start(s.metricsAddress(), supervisor);
            } catch (RuntimeException | IOException e) {
                server.close();
                forward.close();
                supervisor.close();
                throw new InvalidArgumentException(
                        "--metrics-address \""
                                + s.metricsAddress()
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
                s.stateDir(),
                s.socket());
        warnUnlessTmpfs(s.stateDir());
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

    /** HOST:PORT as a socket address; port 0 lets the system choose. */
    static InetSocketAddress streamAddress(String hostPort) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        try {
            if (colon <= 0) throw new NumberFormatException("no port");
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]"))
                host = host.substring(1, host.length() - 1);
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (port < 0 || port > 65535) throw new NumberFormatException("port " + port);
            return new InetSocketAddress(host, port);
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException(
                    "--stream-address \""
                            + hostPort
                            + "\" is not HOST:PORT: give e.g. 127.0.0.1:0 (port 0: any free one)");
        }
    }
}
