package dev.nana.cli;

import dev.nana.NanaException;
import dev.nana.os.NativeUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top of the command tree: {@code nana <command>}. */
@Command(name = "nana",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "A container supervisor for OCI runtimes (runc, crun).",
        subcommands = {RunCommand.class, CreateCommand.class, StartCommand.class, KillCommand.class, PauseCommand.class,
                ResumeCommand.class, ExecCommand.class, UpdateCommand.class, StatsCommand.class, CheckpointCommand.class,
                RestoreCommand.class,
                DeleteCommand.class,
                PsCommand.class, InspectCommand.class, WaitCommand.class, EventsCommand.class, LogsCommand.class,
                AttachCommand.class, BenchCommand.class, DaemonCommand.class, VersionCommand.class, CompletionCommand.class,
                CommandLine.HelpCommand.class})
public final class NanaCommand implements Runnable {
    @CommandLine.Mixin
    GlobalOptions global = new GlobalOptions();

    /** This invocation's stdio, environment and working directory. */
    final Io io;

    NanaCommand(Io io) {
        this.io = io;
    }

    /** nana's own failure (docker and runc use 125 the same way). */
    public static final int EXIT_NANA_FAILED = 125;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: try nana --help");
    }

    /** The command line of this JVM's own invocation. */
    public static CommandLine commandLine() {
        return commandLine(Io.system());
    }

    /** The command line for a command a thin client forwarded to the daemon (io has the daemon's supervisor). */
    static CommandLine forwarded(Io io) {
        return commandLine(io);
    }

    /**
     * The configured command line for one invocation: usage errors exit 2, nana's own errors
     * 125 with one clear line, an interrupted command (a forwarded SIGINT) 130.
     */
    static CommandLine commandLine(Io io) {
        NanaCommand top = new NanaCommand(io);
        CommandLine cli = new CommandLine(top);
        cli.setOut(new java.io.PrintWriter(new java.io.OutputStreamWriter(io.out, java.nio.charset.StandardCharsets.UTF_8), true));
        cli.setErr(new java.io.PrintWriter(new java.io.OutputStreamWriter(io.err, java.nio.charset.StandardCharsets.UTF_8), true));
        cli.setExecutionStrategy(parsed -> {
            if (io.daemonSupervisor != null && parsed.hasSubcommand()) {
                String name = parsed.subcommand().commandSpec().name();
                if (ForwardServer.NOT_FORWARDED.contains(name)) {
                    // the thin client runs these in a JVM of their own; a daemon never runs them for a client
                    cli.getErr().println("nana: a daemon does not run \"" + name + "\" for a client: run it with bin/nana-jvm " + name);
                    return EXIT_NANA_FAILED;
                }
            }
            top.global.resolve(io);
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof InterruptedException) return 130;
            cmd.getErr().println("nana: " + message(e));
            return EXIT_NANA_FAILED;
        });
        return cli;
    }

    static String message(Throwable e) {
        if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) return message(e.getCause());
        return switch (e) {
            case NanaException n -> n.getMessage();
            case NativeUnavailableException n -> n.getMessage();
            default -> e.toString();
        };
    }
}
