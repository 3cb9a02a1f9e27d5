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
        String own = System.getenv("NANA_LOG_LEVEL");
        String libraries = System.getenv("NANA_LIBRARY_LOG_LEVEL");
        setIfAbsent(
                "org.slf4j.simpleLogger.log.dev.nana",
                own != null ? own : debug ? "debug" : daemon ? "info" : "warn");
        setIfAbsent(
                "org.slf4j.simpleLogger.defaultLogLevel",
                libraries != null ? libraries : all ? "debug" : "warn");
        System.exit(
                (daemon ? NanaCommand.daemonCommandLine() : NanaCommand.commandLine())
                        .execute(args));
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) System.setProperty(property, value);
    }
}
