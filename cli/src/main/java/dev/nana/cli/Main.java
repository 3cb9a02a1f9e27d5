package dev.nana.cli;

import picocli.CommandLine;

/** Entry point of the JVM CLI (bin/nana). */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // before any logger exists: the daemon logs at info, --debug anywhere means debug
        boolean daemon = args.length > 0 && args[0].equals("daemon");
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        if (System.getenv("NANA_LOG_LEVEL") == null) {
            System.setProperty("NANA_LOG_LEVEL", debug ? "DEBUG" : daemon ? "INFO" : "WARN");
        }
        System.exit(NanaCommand.commandLine().execute(args));
    }
}
