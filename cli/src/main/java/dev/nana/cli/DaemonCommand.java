package dev.nana.cli;

import dev.nana.images.RegistryHosts;
import dev.nana.spi.DaemonLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nana daemon}: the command line only. It checks the options and hands them to the daemon
 * (nana-daemon's {@link DaemonLauncher}, found on the class path), with this CLI as the runner of
 * the thin client's commands; the daemon restores the state directory and serves until SIGTERM or
 * SIGINT, which leave every container running.
 */
@Command(
        name = "daemon",
        mixinStandardHelpOptions = true,
        description = {
            "Run the nana daemon: restore the state directory, then serve the gRPC API (nana.v1) on a unix socket.",
            "SIGTERM and SIGINT stop it and leave every container running; the next daemon restores them."
        })
public final class DaemonCommand extends Subcommand implements Callable<Integer> {
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

    @Option(
            names = "--cni-conf-dir",
            paramLabel = "DIR",
            description =
                    "the CNI network configurations for pods; the first file's network is used, and"
                            + " nana installs its own bridge network when there is none"
                            + " (default: /etc/cni/net.d)")
    Path cniConfDir; // null: the daemon's default

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

    @Option(
            names = "--stream-address",
            paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:0",
            description =
                    "where the CRI's streaming server (the URLs Exec answers) listens; port 0: one"
                            + " the system chooses (default: ${DEFAULT-VALUE})")
    String streamAddress;

    @Option(
            names = "--stream-idle-timeout",
            paramLabel = "SECONDS",
            defaultValue = "14400",
            description =
                    "how long a connection to the streaming server may carry nothing before it is"
                            + " closed, as containerd's stream_idle_timeout (default: ${DEFAULT-VALUE}, 4 h)")
    double streamIdleTimeout;

    @Option(
            names = "--stream-url-ttl",
            paramLabel = "SECONDS",
            defaultValue = "60",
            description =
                    "how long a URL that Exec, Attach or PortForward answers waits for its"
                            + " connection before it is refused, as the kubelet's"
                            + " (default: ${DEFAULT-VALUE})")
    double streamUrlTtl;

    @Override
    public Integer call() throws Exception {
        Path sock = socket != null ? socket : nana.global.address;
        if (debug != null && !debug.equals("nana") && !debug.equals("all")) {
            throw new dev.nana.InvalidArgumentException(
                    "--debug="
                            + debug
                            + ": give --debug (nana's own log) or --debug=all"
                            + " (every library's too)");
        }
        if (!(streamIdleTimeout > 0)) {
            throw new dev.nana.InvalidArgumentException(
                    "--stream-idle-timeout "
                            + streamIdleTimeout
                            + " is not a time: give seconds above 0 (default 14400)");
        }
        if (!(streamUrlTtl > 0)) {
            throw new dev.nana.InvalidArgumentException(
                    "--stream-url-ttl "
                            + streamUrlTtl
                            + " is not a time: give seconds above 0 (default 60)");
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
        DaemonLauncher daemon =
                ServiceLoader.load(DaemonLauncher.class)
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new dev.nana.UnavailableException(
                                                "nana daemon: nana-daemon is not on the class path:"
                                                        + " rebuild with scripts/setup"));
        registries = new RegistryHosts(registryConfig); // what a forwarded image pull uses
        return daemon.serve(
                new DaemonLauncher.Settings(
                        nana.global.stateDir,
                        sock,
                        runtime,
                        maxConcurrentStarts,
                        Duration.ofMillis(Math.round(runtimeTimeout * 1000)),
                        !noFastStart,
                        noCri
                                ? null
                                : criSocket != null ? criSocket : sock.resolveSibling("cri.sock"),
                        registryConfig,
                        cniConfDir,
                        cniBinDirs,
                        group,
                        metricsAddress,
                        streamAddress,
                        Duration.ofMillis(Math.round(streamIdleTimeout * 1000)),
                        Duration.ofMillis(Math.round(streamUrlTtl * 1000)),
                        VersionCommand.version()),
                new ForwardedCommands());
    }
}
