package dev.nana.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * bin/nana as a user runs it, on a private state directory and socket; and `nana daemon` as a
 * process of its own, started, stopped with SIGTERM or killed with SIGKILL.
 */
public final class NanaCli implements AutoCloseable {
    public record Run(int exit, String out, String err) {}

    public final Path stateDir;
    public final Path socket;
    private Process daemon;

    public NanaCli() throws IOException {
        assertTrue(Fixture.isRoot(), "integration tests need root");
        stateDir = Files.createTempDirectory(Path.of("/run"), "nana-cli-");
        socket = stateDir.resolve("nana.sock");
    }

    public static Path bin() {
        return bin("nana");
    }

    /** bin/nana (the thin client, or the JVM CLI when no daemon listens) or bin/nana-jvm. */
    public static Path bin(String name) {
        return Path.of(System.getProperty("nana.home", "."), "bin", name);
    }

    /** Runs bin/nana with this nana's environment. */
    public Run run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(bin().toString());
        cmd.addAll(List.of(args));
        return exec(cmd, null);
    }

    /** Starts bin/nana with this nana's environment, its stdio left to the caller. */
    public Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(bin().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("NANA_STATE_DIR", stateDir.toString());
        pb.environment().put("NANA_ADDRESS", socket.toString());
        return pb.start();
    }

    /** A container's status as `nana inspect` reports it ("running", "stopped"…). */
    public String status(String id) throws IOException, InterruptedException {
        return new ObjectMapper().readTree(run("inspect", id).out()).path("status").asText();
    }

    /** Runs a command line with this nana's environment, feeding it stdin (or nothing). */
    public Run exec(List<String> cmd, byte[] stdin) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("NANA_STATE_DIR", stateDir.toString());
        pb.environment().put("NANA_ADDRESS", socket.toString());
        Process p = pb.start();
        Thread feeder =
                Thread.ofPlatform()
                        .daemon()
                        .start(
                                () -> {
                                    try (var in = p.getOutputStream()) {
                                        if (stdin != null) in.write(stdin);
                                    } catch (IOException e) {
                                        // the process is gone
                                    }
                                });
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        feeder.join(1000);
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish");
        }
        return new Run(
                p.exitValue(),
                new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    /** The CNI configuration folder the daemon is given unless a test gives its own. */
    public Path cniConfDir() {
        return stateDir.resolveSibling(stateDir.getFileName() + ".cni");
    }

    /** Starts `nana daemon` and waits until its socket accepts connections. */
    public Process startDaemon(String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(bin().toString(), "daemon"));
        cmd.addAll(List.of(extra));
        // pods get nana's default network, installed in the test's folder, not the node's
        if (!cmd.contains("--cni-conf-dir"))
            cmd.addAll(List.of("--cni-conf-dir", cniConfDir().toString()));
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(
                                ProcessBuilder.Redirect.appendTo(
                                        stateDir.resolveSibling(
                                                        stateDir.getFileName() + ".daemon.log")
                                                .toFile()));
        pb.environment().put("NANA_STATE_DIR", stateDir.toString());
        pb.environment().put("NANA_ADDRESS", socket.toString());
        // a killed daemon's socket files stay: the new daemon's are the ones to wait for
        Files.deleteIfExists(socket);
        Files.deleteIfExists(socket.resolveSibling("cri.sock"));
        daemon = pb.start();
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(20))
                    .until(
                            () -> {
                                if (!daemon.isAlive())
                                    fail(
                                            "the daemon exited with "
                                                    + daemon.exitValue()
                                                    + ": "
                                                    + daemonLog());
                                // the gRPC socket is renamed into place listening, after the
                                // thin CLI's and the CRI's: its name is enough (a connection
                                // would load gRPC)
                                return Files.exists(socket, LinkOption.NOFOLLOW_LINKS);
                            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            fail("the daemon did not listen within 60 s: " + daemonLog());
        }
        return daemon;
    }

    /** The running daemon's pid (the JVM: bin/nana execs its way there). */
    public long daemonPid() {
        return daemon.pid();
    }

    /** The running daemon's resident memory (KiB) and thread count, from /proc. */
    public long[] daemonUsage() throws IOException {
        long rss = 0;
        long threads = 0;
        for (String line :
                Files.readAllLines(Path.of("/proc", Long.toString(daemonPid()), "status"))) {
            if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("\\D", ""));
            if (line.startsWith("Threads:")) threads = Long.parseLong(line.replaceAll("\\D", ""));
        }
        return new long[] {rss, threads};
    }

    public String daemonLog() throws IOException {
        Path log = stateDir.resolveSibling(stateDir.getFileName() + ".daemon.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public boolean listening() {
        try (SocketChannel _ = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM: the daemon stops, its containers do not. */
    public void stopDaemon() throws InterruptedException {
        if (daemon == null) return;
        daemon.destroy();
        assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), "the daemon stops on SIGTERM");
        daemon = null;
    }

    public void killDaemonIfRunning() throws InterruptedException {
        if (daemon != null) killDaemon();
    }

    /** SIGKILL, at any moment. */
    public void killDaemon() throws InterruptedException {
        daemon.destroyForcibly();
        daemon.waitFor(10, TimeUnit.SECONDS);
        daemon = null;
    }

    @Override
    public void close() throws IOException {
        try {
            if (daemon != null) killDaemon();
            // whatever the test left: force-delete through an in-process nana
            for (String id : stateDir.toFile().list()) {
                if (!id.startsWith(".") && Files.isDirectory(stateDir.resolve(id)))
                    run("rm", "-f", id);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the folder goes all the same, then the test ends
        }
        // CRI containers' root filesystems and pods' netns files a failed test left
        dev.nana.supervisor.os.Mounts.unmountUnder(stateDir);
        StateDir.deleteTree(stateDir);
        StateDir.deleteTree(cniConfDir());
        Files.deleteIfExists(stateDir.resolveSibling(stateDir.getFileName() + ".daemon.log"));
    }
}
