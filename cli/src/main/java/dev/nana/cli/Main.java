package dev.nana.cli;

import java.util.Arrays;
import java.util.List;

/** Entry point of the JVM CLI (bin/nana). */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // before any logger exists: the daemon logs at info, --debug means nana's own debug,
        // --debug=all every library's too (gRPC and Netty would otherwise fill the first screen)
        boolean daemon = args.length > 0 && args[0].equals("daemon");
        List<String> list = Arrays.asList(args);
        boolean all = list.contains("--debug=all");
        boolean debug = all || list.contains("--debug") || list.contains("--debug=nana");
        if (System.getenv("NANA_LOG_LEVEL") == null) {
            System.setProperty("NANA_LOG_LEVEL", debug ? "DEBUG" : daemon ? "INFO" : "WARN");
        }
        if (System.getenv("NANA_LIBRARY_LOG_LEVEL") == null) {
            System.setProperty("NANA_LIBRARY_LOG_LEVEL", all ? "DEBUG" : "WARN");
        }
        System.exit(
                (daemon ? NanaCommand.daemonCommandLine() : NanaCommand.commandLine())
                        .execute(args));
    }
}
