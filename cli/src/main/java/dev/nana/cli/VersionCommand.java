package dev.nana.cli;

import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.NativeLibrary;
import dev.nana.supervisor.shim.Shim;
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
        LibNana.requireAbi();
        out.println("libnana ABI " + LibNana.abiVersion() + " (" + NativeLibrary.locate() + ")");
        out.println("nana-shim " + Shim.binary());
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
