package dev.nana.daemon.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The thin client's protocol is named once on each side: native/src/client/forward.h and {@link
 * ForwardProtocol}. This parses the header and fails when a word differs, or when a name is on one
 * side only.
 */
class ForwardProtocolDriftTest {
    private static final Pattern DEFINE =
            Pattern.compile("(?m)^#define FORWARD_(\\w+)\\s+(.+?)\\s*(/\\*.*)?$");

    /** FORWARD_* in forward.h, as Java values: 'c' a byte, "s" a string, N or (1 << N) an int. */
    static Map<String, Object> header() throws Exception {
        String h =
                Files.readString(
                        Path.of(
                                System.getProperty("nana.home", ".."),
                                "native",
                                "src",
                                "client",
                                "forward.h"));
        Map<String, Object> out = new LinkedHashMap<>();
        Matcher m = DEFINE.matcher(h);
        while (m.find()) {
            String v = m.group(2).strip();
            Object value;
            if (v.matches("'.'")) value = (byte) v.charAt(1);
            else if (v.matches("\".*\"")) value = v.substring(1, v.length() - 1);
            else if (v.matches("\\(1 << \\d+\\)"))
                value = 1 << Integer.parseInt(v.replaceAll("\\D+", " ").strip().split(" ", -1)[1]);
            else value = Integer.parseInt(v);
            out.put(m.group(1), value);
        }
        return out;
    }

    @Test
    void everyWordOfForwardHIsTheSameInJava() throws Exception {
        Map<String, Object> java = new LinkedHashMap<>();
        java.put("MAGIC", ForwardProtocol.MAGIC);
        java.put("VERSION", ForwardProtocol.VERSION);
        java.put("SIGNAL", ForwardProtocol.SIGNAL);
        java.put("WINSIZE", ForwardProtocol.WINSIZE);
        java.put("ACCEPTED", ForwardProtocol.ACCEPTED);
        java.put("RAW", ForwardProtocol.RAW);
        java.put("EXIT", ForwardProtocol.EXIT);
        java.put("BUSY", ForwardProtocol.BUSY);
        java.put("FRAME", ForwardProtocol.FRAME);
        java.put("MAX_REQUEST", ForwardProtocol.MAX_REQUEST);
        assertEquals(
                new TreeMap<>(java),
                new TreeMap<>(header()),
                "forward.h and ForwardProtocol disagree");
    }
}
