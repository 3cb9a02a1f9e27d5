package dev.nana.cli;

import dev.nana.InvalidArgumentException;
import java.util.Locale;
import java.util.Map;

/** Signal names and numbers as kill(1) takes them: TERM, SIGTERM, 15. */
final class Signals {
    private static final Map<String, Integer> BY_NAME =
            Map.ofEntries(
                    Map.entry("HUP", 1),
                    Map.entry("INT", 2),
                    Map.entry("QUIT", 3),
                    Map.entry("ILL", 4),
                    Map.entry("TRAP", 5),
                    Map.entry("ABRT", 6),
                    Map.entry("BUS", 7),
                    Map.entry("FPE", 8),
                    Map.entry("KILL", 9),
                    Map.entry("USR1", 10),
                    Map.entry("SEGV", 11),
                    Map.entry("USR2", 12),
                    Map.entry("PIPE", 13),
                    Map.entry("ALRM", 14),
                    Map.entry("TERM", 15),
                    Map.entry("STKFLT", 16),
                    Map.entry("CHLD", 17),
                    Map.entry("CONT", 18),
                    Map.entry("STOP", 19),
                    Map.entry("TSTP", 20),
                    Map.entry("TTIN", 21),
                    Map.entry("TTOU", 22),
                    Map.entry("URG", 23),
                    Map.entry("XCPU", 24),
                    Map.entry("XFSZ", 25),
                    Map.entry("VTALRM", 26),
                    Map.entry("PROF", 27),
                    Map.entry("WINCH", 28),
                    Map.entry("IO", 29),
                    Map.entry("PWR", 30),
                    Map.entry("SYS", 31));

    private Signals() {}

    static int parse(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.startsWith("SIG")) s = s.substring(3);
        Integer n = BY_NAME.get(s);
        if (n != null) return n;
        try {
            int v = Integer.parseInt(s);
            if (v >= 1 && v <= 64) return v;
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new InvalidArgumentException(
                "signal \""
                        + text
                        + "\" is not a signal: give a name such as TERM or KILL, or a number from 1 to 64");
    }
}
