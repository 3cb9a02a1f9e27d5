package dev.nana.cli;

import dev.nana.ExecInfo;
import dev.nana.ExecSpec;
import dev.nana.ProcessControl;
import dev.nana.Stdio;
import dev.nana.Supervisor;
import dev.nana.spi.CommandRunner.Terminal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nana exec [-it] ID -- CMD…}: an extra process in a running container, with its exit code.
 */
@Command(
        name = "exec",
        mixinStandardHelpOptions = true,
        description = {
            "Run a command in a running container, print its output and exit with its exit code.",
            "-it gives it an interactive terminal."
        })
public final class ExecCommand extends Subcommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Parameters(
            index = "1..*",
            arity = "1..*",
            paramLabel = "CMD",
            description = "command and arguments (after --)")
    List<String> command = new ArrayList<>();

    @Option(
            names = {"-i", "--interactive"},
            description = "pass this terminal's stdin to the process")
    boolean interactive;

    @Option(
            names = {"-t", "--tty"},
            description = "give the process a terminal")
    boolean tty;

    @Option(
            names = {"-d", "--detach"},
            description = "print the exec id and leave the process running")
    boolean detach;

    @Mixin ProcessOptions process = new ProcessOptions();

    @Option(
            names = {"-u", "--user"},
            paramLabel = "UID[:GID]",
            description = "run as this user")
    String user;

    @Option(names = "--exec-id", paramLabel = "NAME", description = "its id (default: generated)")
    String execId;

    @Override
    public Integer call() throws Exception {
        if (detach && interactive) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--interactive and --detach cannot be used together");
        }
        if (detach) return exec(ClientStdio.NONE); // no stdio to carry: no FIFOs to make
        try (ClientStdio client = ClientStdio.open(nana, "exec-", interactive, !tty)) {
            return exec(client);
        }
    }

    private int exec(ClientStdio client) throws Exception {
        Stdio stdio = client.stdio();
        Terminal terminal = nana.io.terminal;
        boolean raw = interactive && tty && terminal.isTty();
        int[] initial = raw ? terminal.size() : null;
        ExecSpec execSpec =
                new ExecSpec(
                        execId,
                        command,
                        process.env,
                        process.cwd,
                        user,
                        tty,
                        stdio,
                        initial == null ? 0 : initial[0],
                        initial == null ? 0 : initial[1]);
        Supervisor s = Nana.open(nana);
        boolean local = Nana.inProcess(s);
        ProcessControl control = local ? Nana.io(nana) : s;
        ExecInfo info;
        try {
            info = s.exec(id, execSpec);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        if (detach) {
            s.close();
            spec.commandLine().getOut().println(info.execId());
            return 0;
        }
        String exec = info.execId();
        if (raw) {
            terminal.raw(true);
            terminal.onResize(ClientStdio.resizer(terminal, control, id, exec));
        }
        if (interactive)
            RunCommand.InputPump.start(
                    nana.io.in, client.openInput(), () -> control.closeInput(id, exec));
        int code;
        try {
            if (local) s.close(); // let other CLIs in while this one streams
            var exited = control.waitForExec(id, exec);
            try {
                code = Subcommand.await(exited).code();
            } finally {
                exited.cancel(true); // done, or given up (interrupted): the wait ends
            }
            if (!local) s.close();
            client.join(0);
            code = client.exitCode(code, "the exec in \"" + id + "\"", spec.commandLine().getErr());
        } finally {
            if (raw) terminal.raw(false);
        }
        return code;
    }
}
