package dev.nana.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** What a process is started with, for run and create (its container's) and exec (an extra one). */
final class ProcessOptions {
    @Option(
            names = {"-e", "--env"},
            paramLabel = "KEY=VALUE",
            description = "set an environment variable (repeatable)")
    List<String> env = new ArrayList<>();

    @Option(
            names = "--cwd",
            paramLabel = "DIR",
            description = "working directory inside the container")
    String cwd;
}
