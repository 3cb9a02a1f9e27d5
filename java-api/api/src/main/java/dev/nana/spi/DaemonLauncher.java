package dev.nana.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How {@code nana daemon} starts the daemon: the CLI parses the command line, and nana-daemon,
 * found through {@link java.util.ServiceLoader}, serves. Not for users.
 */
public interface DaemonLauncher {
    /**
     * Restores the state directory, serves the gRPC API, the thin client's commands (run by {@code
     * commands}) and the CRI, and returns once SIGTERM or SIGINT stopped it; containers keep
     * running.
     *
     * @param settings what {@code nana daemon} was told
     * @param commands runs the commands the thin client forwards
     * @return the exit code
     * @throws Exception whatever kept it from serving, named
     */
    int serve(Settings settings, CommandRunner commands) throws Exception;

    /**
     * What {@code nana daemon} was told, checked as a command line.
     *
     * @param stateDir the state directory
     * @param socket the gRPC socket; the thin client's is beside it ({@code <socket>.cli})
     * @param defaultRuntime runc, crun or a path, for containers that name none
     * @param maxConcurrentStarts creates and starts under way at once
     * @param runtimeTimeout how long a runtime call may take
     * @param fastStart start runc and crun containers through the exec FIFO
     * @param criSocket where to serve the CRI, or null for none
     * @param registryConfig the registry mirror table (DIR/HOST/hosts.toml)
     * @param cniConfDir the CNI network configurations, or null for the default (/etc/cni/net.d)
     * @param cniBinDirs where CNI plugins are looked for, in order, or null for the default
     *     (/opt/cni/bin, /usr/lib/cni)
     * @param group the group the sockets are for (0660), or null for root only
     * @param metricsAddress HOST:PORT to serve Prometheus metrics on, or null
     * @param streamAddress HOST:PORT of the CRI's streaming server (port 0: any)
     * @param streamIdleTimeout how long a streaming connection may carry nothing before it is
     *     closed
     * @param streamUrlTtl how long a streaming URL (an Exec's, Attach's or PortForward's answer)
     *     waits for its connection before it is refused
     * @param version nana's version, as the CRI's Version answers it
     */
    record Settings(
            Path stateDir,
            Path socket,
            String defaultRuntime,
            int maxConcurrentStarts,
            Duration runtimeTimeout,
            boolean fastStart,
            Path criSocket,
            Path registryConfig,
            Path cniConfDir,
            List<Path> cniBinDirs,
            String group,
            String metricsAddress,
            String streamAddress,
            Duration streamIdleTimeout,
            Duration streamUrlTtl,
            String version) {}
}
