package dev.nana.cli;

import dev.nana.NanaException;
import dev.nana.spi.CommandRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top of the command tree: {@code nana <command>}. */
@Command(
        name = "nana",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "A container supervisor for OCI runtimes (runc, crun).")
public final class NanaCommand implements Runnable {
    /**
     * nana's subcommands, in the order help lists them (then help). They are added when a tree is
     * built, not named in the annotation, so that a tree can have one command: the daemon parses
     * its own arguments on one (picocli reads each command's annotations by reflection the first
     * time, ~8 ms each even with the AOT cache, and the full tree would hold the daemon's start
     * back by ~180 ms), and so does each forwarded command.
     */
    private static final List<Supplier<Object>> SUBCOMMANDS =
            List.of(
                    RunCommand::new,
                    CreateCommand::new,
                    StartCommand::new,
                    KillCommand::new,
                    PauseCommand::new,
                    ResumeCommand::new,
                    ExecCommand::new,
                    UpdateCommand::new,
                    StatsCommand::new,
                    CheckpointCommand::new,
                    RestoreCommand::new,
                    DeleteCommand::new,
                    PsCommand::new,
                    InspectCommand::new,
                    WaitCommand::new,
                    EventsCommand::new,
                    LogsCommand::new,
                    AttachCommand::new,
                    ImageCommand::new,
                    BenchCommand::new,
                    DaemonCommand::new,
                    VersionCommand::new,
                    CompletionCommand::new);

    @CommandLine.Mixin GlobalOptions global = new GlobalOptions();

    /**
     * This invocation's stdio, environment and working directory: set before each execution (a
     * forwarded command's tree is reused, see {@link #executeForwarded}).
     */
    Io io;

    NanaCommand() {}

    /** nana's own failure (docker and runc use 125 the same way). */
    public static final int EXIT_NANA_FAILED = CommandRunner.FAILED;

    /**
     * Commands a client may not have the daemon run: another daemon, or a benchmark inside this
     * one.
     */
    static final List<String> NOT_FORWARDED = List.of("daemon", "bench");

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "a command is required: try nana --help");
    }

    /** The command line of this JVM's own invocation. */
    public static CommandLine commandLine() {
        return commandLine(Io.system());
    }

    /** A command tree for one invocation with io. */
    static CommandLine commandLine(Io io) {
        CommandLine cli = build(null);
        bind(cli, io);
        return cli;
    }

    /** The tree `nana daemon` parses its own arguments with: the top and the daemon command. */
    static CommandLine daemonCommandLine() {
        CommandLine cli = build(DaemonCommand::new);
        bind(cli, Io.system());
        return cli;
    }

    /**
     * Has picocli read every command's annotations once, on a thread of its own, so that the first
     * command a client forwards does not pay for it; the tree itself is let go.
     */
    static void prebuildForwardedTree() {
        Thread.ofPlatform().name("nana-cli-tree").daemon().start(() -> build(null));
    }

    /**
     * nana's subcommands by name and alias, for the trees of one subcommand that forwarded commands
     * run on (in a class of its own: made at the first forwarded command, not at the daemon's
     * start).
     */
    private static final class Names {
        static final Map<String, Supplier<Object>> BY_NAME = byName();
    }

    /**
     * Commands that need the whole tree: help and completion describe every command, and with no
     * command or an unknown one, picocli's message lists or suggests the others.
     */
    private static final Set<String> WHOLE_TREE = Set.of("help", "completion");

    private static Map<String, Supplier<Object>> byName() {
        Map<String, Supplier<Object>> m = new HashMap<>();
        for (Supplier<Object> s : SUBCOMMANDS) {
            Command c = s.get().getClass().getAnnotation(Command.class);
            m.put(c.name(), s);
            for (String alias : c.aliases()) m.put(alias, s);
        }
        return Map.copyOf(m);
    }

    /**
     * The subcommand args name, or null when it names none that a tree of one command serves: the
     * first word after the global options (which take a value, as --address or --address=...).
     */
    static String subcommandOf(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--address") || a.equals("--state-dir")) i++;
            else if (!a.startsWith("--address=") && !a.startsWith("--state-dir=")) {
                if (a.startsWith("-")) return null;
                return Names.BY_NAME.containsKey(a) && !WHOLE_TREE.contains(a) ? a : null;
            }
        }
        return null;
    }

    /**
     * Command trees kept for forwarded commands, by subcommand ("" for the whole tree). Building
     * one (picocli reads the commands' annotations and interpolates their texts) cost the daemon ~7
     * ms of CPU per command for the whole tree, 92 % of a forwarded {@code nana version} (JFR,
     * docs/BENCHMARKS.md); picocli resets every option to its initial value at each parse, so a
     * tree serves one command after another. A forwarded command runs on a tree of the top and its
     * own subcommand alone: it holds that tree while it runs, and the whole tree is ~680 KiB of
     * heap, one subcommand's 50–140 KiB (a {@code wait} or {@code events} runs as long as its
     * client likes). One tree serves one command at a time; a few are kept for concurrent ones.
     */
    private static final ConcurrentHashMap<String, ConcurrentLinkedQueue<CommandLine>> IDLE =
            new ConcurrentHashMap<>();

    private static final AtomicInteger IDLE_COUNT = new AtomicInteger();
    static final int MAX_IDLE_TREES = 16;

    /** Runs a command a thin client forwarded (io has the daemon's supervisor) on a reused tree. */
    static int executeForwarded(Io io, String[] args) {
        String name = subcommandOf(args);
        ConcurrentLinkedQueue<CommandLine> idle =
                IDLE.computeIfAbsent(name == null ? "" : name, k -> new ConcurrentLinkedQueue<>());
        CommandLine cli = idle.poll();
        if (cli != null) IDLE_COUNT.decrementAndGet();
        else cli = build(name == null ? null : Names.BY_NAME.get(name));
        bind(cli, io);
        try {
            return cli.execute(args);
        } finally {
            bind(cli, null);
            if (IDLE_COUNT.incrementAndGet() <= MAX_IDLE_TREES) idle.offer(cli);
            else IDLE_COUNT.decrementAndGet();
        }
    }

    /**
     * A configured command tree: usage errors exit 2, nana's own errors 125 with one clear line, an
     * interrupted command (a forwarded SIGINT) 130. The tree has the one subcommand only when
     * given, else them all.
     */
    private static CommandLine build(Supplier<Object> only) {
        NanaCommand top = new NanaCommand();
        CommandLine cli = new CommandLine(top);
        if (only != null) cli.addSubcommand(only.get());
        else {
            for (Supplier<Object> s : SUBCOMMANDS) cli.addSubcommand(s.get());
            // made here, not as a method reference in SUBCOMMANDS: picocli's classes are too old
            // a class version for the AOT cache, and a lambda that names one crashes its
            // assembly (Java 25.0.3's archiveHeapWriter)
            cli.addSubcommand(new CommandLine.HelpCommand());
        }
        cli.setOut(top.out);
        cli.setErr(top.err);
        cli.setExecutionStrategy(
                parsed -> {
                    Io io = top.io;
                    if (io.daemonSupervisor != null && parsed.hasSubcommand()) {
                        String name = parsed.subcommand().commandSpec().name();
                        if (NOT_FORWARDED.contains(name)) {
                            // the thin client runs these in a JVM of their own; a daemon never runs
                            // them for a client
                            cli.getErr()
                                    .println(
                                            "nana: a daemon does not run \""
                                                    + name
                                                    + "\" for a client: run it with bin/nana-jvm "
                                                    + name);
                            return EXIT_NANA_FAILED;
                        }
                    }
                    top.global.resolve(io);
                    int code = new CommandLine.RunLast().execute(parsed);
                    if (cli.getOut().checkError()) {
                        // println swallows a write error: the output was lost, say how
                        if (top.out.failure() instanceof OutputFailed failed) {
                            cli.getErr().println("nana: " + failed.getMessage());
                            return EXIT_NANA_FAILED;
                        }
                        cli.getErr()
                                .println("nana: writing the output failed: its reader went away");
                        return code != 0 ? code : OutputGone.EXIT_CODE;
                    }
                    return code;
                });
        cli.setExecutionExceptionHandler(
                (e, cmd, parsed) -> {
                    if (e instanceof InterruptedException) return 130;
                    if (e instanceof OutputFailed failed) {
                        cmd.getErr()
                                .println(
                                        "nana: "
                                                + cmd.getCommandName()
                                                + ": "
                                                + failed.getMessage());
                        return EXIT_NANA_FAILED;
                    }
                    if (e instanceof OutputGone gone) {
                        cmd.getErr()
                                .println(
                                        "nana: " + cmd.getCommandName() + ": " + gone.getMessage());
                        return OutputGone.EXIT_CODE;
                    }
                    cmd.getErr().println("nana: " + message(e));
                    if (!(e instanceof NanaException))
                        LoggerFactory.getLogger(NanaCommand.class)
                                .debug("{} failed", cmd.getCommandName(), e);
                    return EXIT_NANA_FAILED;
                });
        return cli;
    }

    /** Points a tree at io (its streams, for picocli's own output too), or lets it go (null). */
    private static void bind(CommandLine cli, Io io) {
        NanaCommand top = (NanaCommand) cli.getCommand();
        top.io = io;
        top.out.pointAt(io == null ? null : io.out);
        top.err.pointAt(io == null ? null : io.err);
    }

    /**
     * picocli's out and err of this tree: set once in {@link #build}, pointed at each command's
     * streams.
     */
    private final CallWriter out = new CallWriter();

    private final CallWriter err = new CallWriter();

    /**
     * A writer made once per tree and pointed at one command's stream after another: setting
     * picocli's writers walks the whole tree (a tenth of a forwarded ps's CPU), so the tree keeps
     * these two and only their target changes.
     */
    private static final class CallWriter extends PrintWriter {
        private final Target target;

        CallWriter() {
            this(new Target());
        }

        private CallWriter(Target target) {
            super(new OutputStreamWriter(target, StandardCharsets.UTF_8), true);
            this.target = target;
        }

        /** Hands what is buffered to the last stream, then writes to stream (nowhere when null). */
        void pointAt(OutputStream stream) {
            flush();
            clearError(); // a lost reader of the last command is not this one's
            target.failure = null;
            target.stream = stream == null ? OutputStream.nullOutputStream() : stream;
        }

        /** The last write's failure, which PrintWriter keeps to itself, or null. */
        IOException failure() {
            return target.failure;
        }
    }

    private static final class Target extends OutputStream {
        OutputStream stream = OutputStream.nullOutputStream();
        IOException failure;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                stream.write(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                stream.flush();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }
    }

    static String message(Throwable e) {
        if (e instanceof CompletionException && e.getCause() != null) return message(e.getCause());
        return switch (e) {
            case NanaException n -> n.getMessage();
            default -> e.toString();
        };
    }
}
