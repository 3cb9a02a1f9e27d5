package dev.nana.cri;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One network interface's counters, as a network namespace's /proc/net/dev gives them: what the pod
 * statistics and the pod metrics both report. Counters are unsigned 64-bit numbers, kept whole in a
 * long (read them with {@link Long#toUnsignedString}).
 */
record NetDev(
        String name,
        long rxBytes,
        long rxPackets,
        long rxErrors,
        long rxDropped,
        long txBytes,
        long txPackets,
        long txErrors,
        long txDropped) {

    private static final Pattern SPACES = Pattern.compile("\\s+");

    /** The interfaces of the network namespace process pid is in, but the loopback. */
    static List<NetDev> ofProcess(int pid) throws IOException {
        return parse(Files.readString(Path.of("/proc", Integer.toString(pid), "net", "dev")));
    }

    /**
     * The interfaces but the loopback, from a /proc/net/dev: two header lines, then "name: rx_bytes
     * rx_packets rx_errs rx_drop … (8 fields) tx_bytes tx_packets tx_errs tx_drop …". A line that
     * is not that is skipped.
     */
    static List<NetDev> parse(String procNetDev) {
        List<NetDev> out = new ArrayList<>();
        for (String line : procNetDev.lines().skip(2).toList()) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String name = line.substring(0, colon).strip();
            String[] f = SPACES.split(line.substring(colon + 1).strip(), -1);
            if (name.equals("lo") || f.length < 12) continue;
            try {
                out.add(
                        new NetDev(
                                name,
                                Long.parseUnsignedLong(f[0]),
                                Long.parseUnsignedLong(f[1]),
                                Long.parseUnsignedLong(f[2]),
                                Long.parseUnsignedLong(f[3]),
                                Long.parseUnsignedLong(f[8]),
                                Long.parseUnsignedLong(f[9]),
                                Long.parseUnsignedLong(f[10]),
                                Long.parseUnsignedLong(f[11])));
            } catch (NumberFormatException e) {
                // not a counters line: skipped
            }
        }
        return out;
    }
}
