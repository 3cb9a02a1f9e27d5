package dev.nana.supervisor.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shim's protocol is named once on each side: native/src/shim/protocol.h and {@link
 * ShimProtocol}. This parses the header and fails when a word differs, or when a name is on one
 * side only.
 */
class ShimProtocolDriftTest {
    private static final Pattern DEFINE =
            Pattern.compile("(?m)^#define SHIM_(\\w+)\\s+\"([^\"]*)\"");

    static Map<String, String> header() throws Exception {
        String h =
                Files.readString(
                        Path.of(
                                System.getProperty("nana.home", ".."),
                                "native",
                                "src",
                                "shim",
                                "protocol.h"));
        Map<String, String> out = new TreeMap<>();
        Matcher m = DEFINE.matcher(h);
        while (m.find()) out.put(m.group(1), m.group(2));
        return out;
    }

    static Map<String, String> java() throws IllegalAccessException {
        Map<String, String> out = new TreeMap<>();
        for (Field f : ShimProtocol.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
                out.put(f.getName(), (String) f.get(null));
        }
        return out;
    }

    @Test
    void everyWordOfProtocolHIsTheSameInJava() throws Exception {
        Map<String, String> header = header();
        assertFalse(header.isEmpty(), "no SHIM_ defines found in protocol.h");
        assertEquals(header, java(), "native/src/shim/protocol.h and ShimProtocol disagree");
    }

    @Test
    void controlCommandsAreSpelledWithTheHeadersWords() {
        assertEquals("start\n", ShimProtocol.start());
        assertEquals("resize 24 80\n", ShimProtocol.resize(24, 80));
        assertEquals("attach /o - /i\n", ShimProtocol.attach(Path.of("/o"), null, Path.of("/i")));
    }
}
