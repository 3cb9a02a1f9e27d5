package dev.nana.cli;

import picocli.CommandLine;

/** Entry point of the JVM CLI (bin/nana). */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(NanaCommand.commandLine().execute(args));
    }
}
