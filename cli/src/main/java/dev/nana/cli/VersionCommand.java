package dev.nana.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code nana version}: nana's version and where its native parts are. */
@Command(
        name = "version",
        mixinStandardHelpOptions = true,
        description = "Print nana's version, its libnana ABI and its nana-shim.")
public final class VersionCommand extends Subcommand implements Runnable {

    @Override
    public void run() {
        var out = spec.commandLine().getOut();
        out.println("nana " + version());
        Nana.io(nana).versions().forEach(out::println);
        out.println("java " + Runtime.version());
    }

    static String version() {
        Properties p = new Properties();
        try (InputStream in = VersionCommand.class.getResourceAsStream("version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // fall through to "unknown"
        }
        return p.getProperty("version", "unknown");
    }

    /** For {@code nana --version}. */
    public static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"nana " + version()};
        }
    }
}
