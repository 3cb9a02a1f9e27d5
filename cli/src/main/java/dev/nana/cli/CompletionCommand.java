package dev.nana.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code nana completion bash}: a bash completion script (source it, or put it in
 * /etc/bash_completion.d).
 */
@Command(
        name = "completion",
        mixinStandardHelpOptions = true,
        description = {"Print a shell completion script.", "  source <(nana completion bash)"})
public final class CompletionCommand extends Subcommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            paramLabel = "SHELL",
            description = "bash (zsh loads it too with bashcompinit)")
    String shell;

    @Override
    public Integer call() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "shell \"" + shell + "\": give bash or zsh");
        }
        spec.commandLine().getOut().print(AutoComplete.bash("nana", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
