package dev.nana.junit;

import dev.nana.Container;
import dev.nana.ContainerSpec;
import dev.nana.ExitStatus;
import dev.nana.Supervisor;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A container a test needs, declared on a {@link NanaContainer} field and started by {@link
 * NanaExtension}: what to run (an image of nana's store, or a bundle), what it is ready at (a port
 * that accepts connections, a line of its output), and, once it runs, its handle, address and
 * output.
 *
 * <p>The container shares the host's network ({@link ContainerSpec.Builder#hostNetwork()}): nana
 * has no network of its own outside Kubernetes pods, so a server in it listens on the host's
 * interfaces, at its own port; {@link #host()} is the loopback address and {@link #port(int)} the
 * port itself. Give a test's servers ports of their own (by argument or environment) when tests run
 * side by side.
 *
 * <p>Its output is read from its first byte, as it comes, so that it never waits on a full pipe:
 * {@link #logs()} has the last {@value #LOG_KEPT} characters of it.
 */
public final class TestContainer {
    /** How much of its output a container keeps for {@link #logs()} and failure messages. */
    public static final int LOG_KEPT = 1 << 20;

    private final String image;
    private final Path bundle;
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<Integer> ports = new ArrayList<>();
    private Pattern logLine;
    private Duration startupTimeout = Duration.ofSeconds(60);
    private Duration stopGrace = Duration.ZERO;
    private Consumer<ContainerSpec.Builder> customizer = _ -> {};

    // once started
    private volatile Container container;
    private final StringBuilder log = new StringBuilder();
    private Thread reader;

    private TestContainer(String image, Path bundle) {
        this.image = image;
        this.bundle = bundle;
    }

    /**
     * A container of an image in nana's store (pulled or loaded beforehand: {@code nana image
     * pull}), which runs the image's command unless {@link #args} replaces it.
     *
     * @param image a name, digest reference or id, e.g. {@code busybox:1.36}
     * @return the declaration
     */
    public static TestContainer fromImage(String image) {
        return new TestContainer(Objects.requireNonNull(image, "image"), null);
    }

    /**
     * A container of an OCI bundle (config.json and its rootfs).
     *
     * @param bundle its absolute path
     * @return the declaration
     */
    public static TestContainer fromBundle(Path bundle) {
        return new TestContainer(null, Objects.requireNonNull(bundle, "bundle"));
    }

    /**
     * Replaces the command line.
     *
     * @param args the program and its arguments
     * @return this
     */
    public TestContainer args(String... args) {
        this.args.clear();
        this.args.addAll(List.of(args));
        return this;
    }

    /**
     * Sets an environment variable.
     *
     * @param key its name
     * @param value its value
     * @return this
     */
    public TestContainer env(String key, String value) {
        env.put(key, value);
        return this;
    }

    /**
     * The container is ready once this port accepts a connection on the loopback address.
     *
     * @param port the port its server listens on
     * @return this
     */
    public TestContainer waitForPort(int port) {
        if (port < 1 || port > 65535)
            throw new IllegalArgumentException("port " + port + " is not 1 to 65535");
        ports.add(port);
        return this;
    }

    /**
     * The container is ready once a line of its output matches (anywhere in the line).
     *
     * @param regex a {@link Pattern} regular expression
     * @return this
     */
    public TestContainer waitForLog(String regex) {
        this.logLine = Pattern.compile(regex);
        return this;
    }

    /**
     * How long the container has to become ready (default 60 s).
     *
     * @param timeout the time
     * @return this
     */
    public TestContainer startupTimeout(Duration timeout) {
        this.startupTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /**
     * How long the container has to end after SIGTERM when its tests are done, before SIGKILL. The
     * default, none, kills it at once (as Testcontainers does): a test's container rarely has
     * anything to save, and a process 1 that does not handle TERM would keep every test class
     * waiting.
     *
     * @param grace the time; zero for SIGKILL at once
     * @return this
     */
    public TestContainer stopGrace(Duration grace) {
        this.stopGrace = Objects.requireNonNull(grace, "grace");
        return this;
    }

    /**
     * Anything else of the spec (a memory limit, a runtime, labels), applied last.
     *
     * @param customizer changes the builder
     * @return this
     */
    public TestContainer customize(Consumer<ContainerSpec.Builder> customizer) {
        this.customizer = Objects.requireNonNull(customizer, "customizer");
        return this;
    }

    /**
     * The running container's handle: exec, kill, stats, stop.
     *
     * @return the handle
     * @throws IllegalStateException before the extension started it
     */
    public Container container() {
        Container c = container;
        if (c == null)
            throw new IllegalStateException(
                    "this container is not started: declare it on a @NanaContainer field of a"
                            + " @Nana test class, and use it in a test (a static field's from"
                            + " @BeforeAll on)");
        return c;
    }

    /**
     * The container's id.
     *
     * @return its id
     */
    public String id() {
        return container().id();
    }

    /**
     * The address its servers are reached at: the loopback address, since it shares the host's
     * network.
     *
     * @return the loopback address ({@code 127.0.0.1}, unless IPv6 is preferred)
     */
    public String host() {
        container();
        return InetAddress.getLoopbackAddress().getHostAddress();
    }

    /**
     * The host's port for a port of the container: the same one, since it shares the host's
     * network.
     *
     * @param containerPort the port its server listens on
     * @return that port
     */
    public int port(int containerPort) {
        container();
        return containerPort;
    }

    /**
     * What it has printed so far (stdout and stderr), its last {@value #LOG_KEPT} characters.
     *
     * @return the text
     */
    public String logs() {
        synchronized (log) {
            return log.toString();
        }
    }

    /** Starts it under id with labels, reads its output, and waits until it is ready. */
    void start(Supervisor nana, String id, Map<String, String> labels) {
        if (container != null)
            throw new IllegalStateException(
                    "container "
                            + container.id()
                            + " runs already: a TestContainer runs once at a time");
        synchronized (log) {
            log.setLength(0);
            sawLine = false;
            ended = false;
        }
        ContainerSpec.Builder spec =
                image != null
                        ? ContainerSpec.fromImage(id, image)
                        : ContainerSpec.builder(id, bundle);
        spec.hostNetwork().labels(labels);
        if (!args.isEmpty()) spec.args(args);
        env.forEach((k, v) -> spec.env(k, v));
        customizer.accept(spec);
        Container c = nana.launch(spec.build());
        container = c;
        reader =
                Thread.ofVirtual()
                        .name("nana-junit-" + id)
                        .start(
                                () -> {
                                    try (InputStream out = c.output()) {
                                        read(out);
                                    } catch (IOException | RuntimeException e) {
                                        // the container went: its output ends here
                                    }
                                });
        try {
            awaitReady(c);
        } catch (RuntimeException | Error e) {
            stop();
            throw e;
        }
    }

    private void read(InputStream out) throws IOException {
        var decoder = new InputStreamReader(out, StandardCharsets.UTF_8);
        char[] chars = new char[8192];
        StringBuilder line = new StringBuilder();
        for (int n; (n = decoder.read(chars)) > 0; ) {
            synchronized (log) {
                log.append(chars, 0, n);
                if (log.length() > LOG_KEPT) log.delete(0, log.length() - LOG_KEPT);
                for (int i = 0; i < n; i++) {
                    if (chars[i] != '\n') {
                        if (line.length() < 64 << 10) line.append(chars[i]);
                        continue;
                    }
                    if (logLine != null && logLine.matcher(line).find()) sawLine = true;
                    line.setLength(0);
                }
                log.notifyAll();
            }
        }
        synchronized (log) {
            if (logLine != null && !line.isEmpty() && logLine.matcher(line).find()) sawLine = true;
            ended = true;
            log.notifyAll();
        }
    }

    private boolean sawLine;
    private boolean ended;

    private void awaitReady(Container c) {
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        if (logLine != null) {
            synchronized (log) {
                while (!sawLine) {
                    long left = deadline - System.nanoTime();
                    if (ended || left <= 0)
                        throw notReady(c, "no line of its output matched /" + logLine + "/");
                    try {
                        log.wait(Math.max(1, Math.min(left / 1_000_000, 200)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw notReady(c, "interrupted while waiting for its output");
                    }
                }
            }
        }
        for (int port : ports) {
            while (!accepts(port)) {
                if (!c.isAlive())
                    throw notReady(c, "it ended before port " + port + " accepted a connection");
                if (System.nanoTime() > deadline)
                    throw notReady(c, "port " + port + " did not accept a connection");
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw notReady(c, "interrupted while waiting for port " + port);
                }
            }
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private IllegalStateException notReady(Container c, String why) {
        String exit = "";
        if (!c.isAlive()) {
            ExitStatus s = c.onExit().getNow(null);
            if (s != null) exit = " (it exited with " + s.code() + ")";
        }
        String text = logs();
        if (text.length() > 4096) text = "…" + text.substring(text.length() - 4096);
        return new IllegalStateException(
                "container "
                        + c.id()
                        + " was not ready within "
                        + startupTimeout.toSeconds()
                        + " s: "
                        + why
                        + exit
                        + "; its output:\n"
                        + text);
    }

    /**
     * Stops it (TERM, then KILL after {@link #stopGrace}; KILL at once by default) and removes it;
     * nothing if it never started.
     */
    void stop() {
        Container c = container;
        if (c == null) return;
        container = null;
        try {
            if (!stopGrace.isZero() && c.isAlive()) c.stop(stopGrace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // close() below kills it at once
        } finally {
            c.close(); // deletes it
            Thread r = reader;
            if (r != null) {
                try {
                    r.join(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
