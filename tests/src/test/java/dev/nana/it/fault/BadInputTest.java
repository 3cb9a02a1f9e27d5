package dev.nana.it.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.ContainerSpec;
import dev.nana.NanaException;
import dev.nana.Supervisor;
import dev.nana.grpc.v1.Container;
import dev.nana.grpc.v1.ContainersGrpc;
import dev.nana.grpc.v1.CreateRequest;
import dev.nana.grpc.v1.DeleteRequest;
import dev.nana.grpc.v1.ExecRequest;
import dev.nana.grpc.v1.KillRequest;
import dev.nana.grpc.v1.ListRequest;
import dev.nana.grpc.v1.Stdio;
import dev.nana.it.Fixture;
import dev.nana.it.Leaks;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.LocalSupervisor;
import dev.nana.supervisor.state.StateDir;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile input, generated (jqwik), against both doors: the gRPC API of a real daemon, driven with
 * the raw generated stub as any client in any language would, and the in-process Java API. Ids,
 * bundle paths and configs, runtime names and paths, signals, limits, FIFO paths and exec specs:
 * each bad one is refused with INVALID_ARGUMENT (or the Java API's InvalidArgumentException) naming
 * the field, the daemon stays up, and nothing is left in either state directory.
 */
@Tag("fault")
class BadInputTest {
    private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,75}");
    private static final Map<String, AtomicInteger> CASES = new ConcurrentHashMap<>();

    private static NanaCli nana;
    private static MultiThreadIoEventLoopGroup group;
    private static ManagedChannel channel;
    private static ContainersGrpc.ContainersBlockingStub grpc;
    private static Path localState;
    private static Supervisor local;
    private static Path files;
    private static Map<String, Path> badBundles;

    @BeforeContainer
    static void up() throws Exception {
        nana = new NanaCli();
        nana.startDaemon();
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        channel =
                NettyChannelBuilder.forAddress(new DomainSocketAddress(nana.socket.toString()))
                        .channelType(EpollDomainSocketChannel.class)
                        .eventLoopGroup(group)
                        .usePlaintext()
                        .build();
        grpc = ContainersGrpc.newBlockingStub(channel);
        localState = Files.createTempDirectory(Path.of("/run"), "nana-badinput-");
        local = LocalSupervisor.builder().stateDir(localState).build();
        files = Files.createTempDirectory("nana-badinput-files-");
        badBundles = badBundles(files);
    }

    @AfterContainer
    static void down() throws Exception {
        int total = CASES.values().stream().mapToInt(AtomicInteger::get).sum();
        System.out.println(
                "bad input: "
                        + total
                        + " cases refused, none crashed the daemon or left state: "
                        + new TreeMap<>(CASES));
        channel.shutdownNow();
        var _ = group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        local.close();
        nana.close();
        StateDir.deleteTree(localState);
        StateDir.deleteTree(files);
    }

    // ---- ids

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "",
                        ".",
                        "..",
                        "../x",
                        "a/b",
                        "/etc",
                        "a\0b",
                        "ü",
                        "a b",
                        "-x",
                        "_x",
                        "x".repeat(76),
                        "x".repeat(77),
                        "web-1",
                        "a\nb",
                        "$(id)",
                        "*",
                        "x/../../etc"),
                Arbitraries.strings().withChars("ab1./-_\0 \u00e9\u4e2d").ofMaxLength(12),
                Arbitraries.strings().all().ofMaxLength(90));
    }

    @Property(tries = 150)
    void idsAreCheckedBeforeAnythingIsTouched(@ForAll("ids") String id) {
        Path missing = files.resolve("no-such-bundle");
        String field = VALID_ID.matcher(id).matches() ? "bundle" : "container id";
        refusedByGrpc(
                "id",
                field,
                () ->
                        grpc.run(
                                CreateRequest.newBuilder()
                                        .setId(id)
                                        .setBundle(missing.toString())
                                        .build()));
        refusedByJava("id", field, () -> local.run(ContainerSpec.builder(id, missing).build()));
    }

    // ---- bundles and their config.json

    @Provide
    Arbitrary<String> bundles() {
        return Arbitraries.of(badBundles.keySet());
    }

    @Property(tries = 40)
    void badBundlesAndConfigsAreRefusedNamingThem(@ForAll("bundles") String which) {
        String bundle =
                which.equals("relative")
                        ? "relative/bundle"
                        : which.equals("empty") ? "" : badBundles.get(which).toString();
        refusedByGrpc(
                "bundle",
                "bundle",
                () -> grpc.run(CreateRequest.newBuilder().setId("b1").setBundle(bundle).build()));
        if (!bundle.isEmpty())
            refusedByJava(
                    "bundle",
                    "bundle",
                    () -> local.run(ContainerSpec.builder("b1", Path.of(bundle)).build()));
    }

    // ---- runtimes

    @Provide
    Arbitrary<String> runtimes() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "relative/runc",
                        "/nonexistent/runc",
                        "/etc/passwd",
                        "/tmp",
                        "../runc",
                        "runc ",
                        " ",
                        "/",
                        "no-such-runtime"),
                Arbitraries.strings()
                        .withChars("qxz/._-")
                        .ofMinLength(1)
                        .ofMaxLength(10)
                        .map(s -> "nana-no-" + s));
    }

    @Property(tries = 60)
    void unknownRuntimesAreRefusedNamingTheRuntime(@ForAll("runtimes") String runtime) {
        String demo = Fixture.demoBundle().toString();
        refusedByGrpc(
                "runtime",
                "runtime",
                () ->
                        grpc.run(
                                CreateRequest.newBuilder()
                                        .setId("r1")
                                        .setBundle(demo)
                                        .setRuntime(runtime)
                                        .build()));
        refusedByJava(
                "runtime",
                "runtime",
                () ->
                        local.run(
                                ContainerSpec.builder("r1", Fixture.demoBundle())
                                        .runtime(runtime)
                                        .build()));
    }

    // ---- signals and limits

    @Property(tries = 60)
    void signalsOutsideOneToSixtyFourAreRefused(@ForAll int signal) {
        if (signal >= 1 && signal <= 64) signal = -signal;
        int s = signal;
        refusedByGrpc(
                "signal",
                "signal",
                () -> grpc.kill(KillRequest.newBuilder().setId("any").setSignal(s).build()));
        refusedByJava("signal", "signal", () -> local.kill("any", s, false));
    }

    @Property(tries = 40)
    void negativeMemoryLimitsAreRefused(@ForAll long limit) {
        long bad = limit < 0 ? limit : -1 - limit;
        String demo = Fixture.demoBundle().toString();
        refusedByGrpc(
                "memory limit",
                "memory limit",
                () ->
                        grpc.run(
                                CreateRequest.newBuilder()
                                        .setId("m1")
                                        .setBundle(demo)
                                        .setMemoryLimitBytes(bad)
                                        .build()));
        refusedByJava(
                "memory limit",
                "memory limit",
                () ->
                        local.run(
                                ContainerSpec.builder("m1", Fixture.demoBundle())
                                        .memoryLimitBytes(bad)
                                        .build()));
    }

    // ---- labels: bounded on every path (dev.nana.Limits)

    @Provide
    Arbitrary<Map<String, String>> hugeLabels() {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 100_000; i++) many.put("k" + i, "v");
        Map<String, String> wide = new HashMap<>();
        for (int i = 0; i < 20; i++) wide.put("k" + i, "v".repeat(1000));
        return Arbitraries.of(
                many,
                Map.of("big", "x".repeat(3 << 20)),
                Map.of("k", "x".repeat(4096)),
                wide,
                IntStream.range(0, 65).boxed().collect(Collectors.toMap(i -> "l" + i, i -> "")));
    }

    @Property(tries = 5)
    void labelsOverTheLimitsAreRefused(@ForAll("hugeLabels") Map<String, String> labels) {
        String demo = Fixture.demoBundle().toString();
        refusedByGrpc(
                "labels",
                "label",
                () ->
                        grpc.run(
                                CreateRequest.newBuilder()
                                        .setId("l1")
                                        .setBundle(demo)
                                        .putAllLabels(labels)
                                        .build()));
        refusedByJava(
                "labels",
                "label",
                () ->
                        local.run(
                                ContainerSpec.builder("l1", Fixture.demoBundle())
                                        .labels(labels)
                                        .build()));
    }

    // ---- FIFO paths

    @Provide
    Arbitrary<String> fifoPaths() {
        return Arbitraries.of(
                "relative/fifo",
                files.resolve("no-such-fifo").toString(),
                "/etc/hostname",
                "/tmp",
                "/dev/null",
                files.resolve("file").toString(),
                "/proc/self/mem");
    }

    @Property(tries = 20)
    void stdioPathsThatAreNotFifosAreRefused(@ForAll("fifoPaths") String path) {
        String demo = Fixture.demoBundle().toString();
        refusedByGrpc(
                "stdio path",
                path.startsWith("/") ? path : "stdio",
                () ->
                        grpc.run(
                                CreateRequest.newBuilder()
                                        .setId("f1")
                                        .setBundle(demo)
                                        .setStdio(Stdio.newBuilder().setStdout(path))
                                        .addArgs("true")
                                        .build()));
    }

    // ---- exec specs

    @Provide
    Arbitrary<ExecRequest> execs() {
        return Arbitraries.of(
                ExecRequest.newBuilder().setId("x1").build(), // no args
                ExecRequest.newBuilder().setId("x1").addArgs("true").addEnv("NOEQUALS").build(),
                ExecRequest.newBuilder().setId("x1").addArgs("true").addEnv("=v").build(),
                ExecRequest.newBuilder().setId("x1").addArgs("true").setCwd("relative").build(),
                ExecRequest.newBuilder().setId("x1").addArgs("true").setUser("root").build(),
                ExecRequest.newBuilder().setId("x1").addArgs("true").setUser("0:x").build(),
                ExecRequest.newBuilder().setId("x1").addArgs("true").setExecId("../e").build(),
                ExecRequest.newBuilder().setId("x1").addArgs("true").setExecId("init").build(),
                ExecRequest.newBuilder().setId("../x1").addArgs("true").build());
    }

    @Property(tries = 20)
    void badExecSpecsAreRefused(@ForAll("execs") ExecRequest exec) {
        refusedByGrpc("exec", "", () -> grpc.exec(exec));
    }

    // ---- CLI arguments (through the thin client and the daemon, as a user types them)

    /**
     * A command line, the exit code it must end with (2 usage, 125 refused) and a word the error
     * must contain.
     */
    record Cli(List<String> args, int exit, String names) {
        Cli(String names, int exit, String... args) {
            this(List.of(args), exit, names);
        }
    }

    @Provide
    Arbitrary<Cli> cliLines() {
        return Arbitraries.of(
                new Cli("container id", 125, "run", "../x", "--", "true"),
                new Cli("container id is empty", 125, "run", "", "--", "true"),
                new Cli("container id", 125, "run", "a/b", "--", "true"),
                new Cli("container id", 125, "logs", "../../etc"),
                new Cli("container id", 125, "rm", "/etc"),
                new Cli("container id", 125, "inspect", "xé"),
                new Cli("bundle", 125, "run", "--bundle", "relative/dir", "x", "--", "true"),
                new Cli("bundle", 125, "run", "--bundle", "/nonexistent/bundle", "x", "--", "true"),
                new Cli("runtime", 125, "run", "--runtime", "/nonexistent/runc", "x", "--", "true"),
                new Cli("runtime", 125, "run", "--runtime", "no-such-runtime", "x", "--", "true"),
                new Cli("signal", 125, "kill", "x", "NOTASIGNAL"),
                new Cli("signal", 125, "kill", "x", "0"),
                new Cli("signal", 125, "kill", "x", "99"),
                new Cli("memory", 125, "run", "--memory", "16x", "x", "--", "true"),
                new Cli("memory", 125, "run", "--memory", "-5m", "x", "--", "true"),
                new Cli("since", 125, "events", "--since", "yesterday-ish", "--no-follow"),
                new Cli("env", 125, "run", "-e", "NOEQUALS", "x", "--", "true"),
                new Cli("cwd", 125, "run", "--cwd", "relative", "x", "--", "true"),
                new Cli("Unknown option", 2, "ps", "--no-such-flag"),
                new Cli("Unmatched argument", 2, "ps", "extra"),
                new Cli("Missing required parameter", 2, "kill"),
                new Cli("Unmatched argument", 2, "no-such-command"));
    }

    @Property(tries = 30)
    void cliArgumentsAreRefusedNamingThem(@ForAll("cliLines") Cli line) throws Exception {
        NanaCli.Run r = nana.run(line.args().toArray(String[]::new));
        assertEquals(line.exit(), r.exit(), line.args() + ": " + r.err());
        assertTrue(
                r.err().contains(line.names()),
                line.args() + " names " + line.names() + ": " + r.err());
        assertEquals(
                0,
                grpc.list(ListRequest.getDefaultInstance()).getContainersCount(),
                "nothing created");
        assertEquals(List.of(), Leaks.stateFolders(nana.stateDir), "no folder left");
        CASES.computeIfAbsent("cli", k -> new AtomicInteger()).incrementAndGet();
    }

    // ---- helpers

    /**
     * The call fails with INVALID_ARGUMENT naming the field; the daemon still answers; its state is
     * untouched.
     */
    private static void refusedByGrpc(String kind, String field, Runnable call) {
        StatusRuntimeException e =
                assertThrows(StatusRuntimeException.class, call::run, kind + " accepted");
        String said = e.getStatus().getDescription();
        // a request over the daemon's 1 MiB is refused on the wire, before it is parsed
        if (e.getStatus().getCode() == io.grpc.Status.Code.RESOURCE_EXHAUSTED
                && said != null
                && said.contains("exceeds maximum size 1048576")) {
            CASES.computeIfAbsent("grpc " + kind + " (over 1 MiB)", k -> new AtomicInteger())
                    .incrementAndGet();
            return;
        }
        assertTrue(
                e.getStatus().getCode() == io.grpc.Status.Code.INVALID_ARGUMENT
                        || e.getStatus().getCode() == io.grpc.Status.Code.FAILED_PRECONDITION
                        || e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND,
                e.getStatus().toString());
        assertTrue(said != null && said.contains(field), "\"" + said + "\" names " + field);
        List<String> created =
                grpc.list(ListRequest.getDefaultInstance()).getContainersList().stream()
                        .map(Container::getId)
                        .toList();
        created.forEach(
                id ->
                        grpc.delete(
                                DeleteRequest.newBuilder()
                                        .setId(id)
                                        .setForce(true)
                                        .build())); // no cascade
        assertEquals(List.of(), created, kind + " case accepted: nothing may be created");
        assertEquals(List.of(), Leaks.stateFolders(nana.stateDir), "no folder left");
        CASES.computeIfAbsent("grpc " + kind, k -> new AtomicInteger()).incrementAndGet();
    }

    private static void refusedByJava(String kind, String field, Runnable call) {
        NanaException e = assertThrows(NanaException.class, call::run, kind + " accepted");
        assertTrue(e.getMessage().contains(field), "\"" + e.getMessage() + "\" names " + field);
        assertEquals(List.of(), local.list(), "nothing created");
        assertEquals(List.of(), Leaks.stateFolders(localState), "no folder left");
        CASES.computeIfAbsent("java " + kind, k -> new AtomicInteger()).incrementAndGet();
    }

    /** One bad bundle of each kind, under dir. */
    private static Map<String, Path> badBundles(Path dir) throws Exception {
        Map<String, Path> m = new LinkedHashMap<>();
        m.put("relative", null);
        m.put("empty", null);
        m.put("missing", dir.resolve("missing"));
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        m.put("a file", file);
        Path loop = dir.resolve("loop");
        Files.createSymbolicLink(loop, dir.resolve("loop2"));
        Files.createSymbolicLink(dir.resolve("loop2"), loop);
        m.put("symlink loop", loop);
        m.put("no config.json", Files.createDirectory(dir.resolve("empty-bundle")));
        m.put("config not JSON", config(dir, "not-json", "{ this is not json"));
        m.put("config an array", config(dir, "array", "[1, 2]"));
        m.put(
                "args a string",
                config(
                        dir,
                        "args-string",
                        "{\"process\": {\"args\": \"sh\"}, \"root\": {\"path\": \"rootfs\"}}"));
        m.put(
                "root.path a number",
                config(
                        dir,
                        "root-number",
                        "{\"process\": {\"args\": [\"sh\"]}, \"root\": {\"path\": 7}}"));
        m.put("huge config", config(dir, "huge", "{\"pad\": \"" + "x".repeat(12 << 20) + "\"}"));
        Files.writeString(dir.resolve("file"), "a regular file, not a FIFO");
        return m;
    }

    private static Path config(Path dir, String name, String json) throws Exception {
        Path b = Files.createDirectory(dir.resolve(name));
        Files.writeString(b.resolve("config.json"), json);
        return b;
    }
}
