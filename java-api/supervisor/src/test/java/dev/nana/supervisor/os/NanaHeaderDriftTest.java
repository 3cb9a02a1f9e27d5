package dev.nana.supervisor.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written binding must match native/include/nana.h function for function. */
class NanaHeaderDriftTest {
    private static final Pattern FUNCTION =
            Pattern.compile(
                    "([A-Za-z_][A-Za-z0-9_ ]*?\\**)\\s*\\b(nana_[a-z0-9_]+)\\s*\\(([^)]*)\\)\\s*;");
    private static final Pattern DEFINE =
            Pattern.compile("#define\\s+(NANA_[A-Z0-9_]+)\\s+(0x[0-9a-fA-F]+|\\d+)");

    static String header() throws IOException {
        Path h = Path.of(System.getProperty("nana.home", "."), "native", "include", "nana.h");
        return Files.readString(h);
    }

    /** nana.h's prototypes as FFM descriptors, parsed from the header text. */
    static Map<String, FunctionDescriptor> parse(String header) {
        String code =
                header.replaceAll("(?s)/\\*.*?\\*/", " ")
                        .replaceAll("//[^\n]*", " ")
                        .replaceAll("(?m)^\\s*#.*$", " ")
                        .replaceAll("\\s+", " ");
        Map<String, FunctionDescriptor> out = new LinkedHashMap<>();
        Matcher m = FUNCTION.matcher(code);
        while (m.find()) {
            String returnType = m.group(1).replace("extern \"C\" {", "").strip();
            List<MemoryLayout> params = new ArrayList<>();
            String p = m.group(3).strip();
            if (!p.equals("void") && !p.isEmpty()) {
                for (String param : p.split(",", -1)) {
                    // "const char *const *argv" is a pointer; "int32_t n" is its type and a name
                    String type =
                            param.contains("*") ? param : param.strip().replaceAll("\\s+\\w+$", "");
                    params.add(layout(type));
                }
            }
            MemoryLayout[] args = params.toArray(MemoryLayout[]::new);
            out.put(
                    m.group(2),
                    returnType.endsWith("void")
                            ? FunctionDescriptor.ofVoid(args)
                            : FunctionDescriptor.of(layout(returnType), args));
        }
        return out;
    }

    static MemoryLayout layout(String cType) {
        String t = cType.replace("const", "").strip();
        if (t.contains("*")) return ADDRESS;
        return switch (t) {
            case "int32_t", "uint32_t" -> JAVA_INT;
            case "int64_t", "uint64_t" -> JAVA_LONG;
            default ->
                    throw new AssertionError(
                            "nana.h uses C type \""
                                    + cType
                                    + "\": the ABI allows only fixed-width integers and pointers");
        };
    }

    @Test
    void parserReadsTheHeaderShapes() {
        var parsed =
                parse(
                        """
                /* comment int32_t nana_fake(void); */
                int32_t nana_a(void);
                int32_t nana_b(const char *const *argv, int32_t n,
                               uint64_t *out);
                """);
        assertEquals(
                Map.of(
                        "nana_a",
                        FunctionDescriptor.of(JAVA_INT),
                        "nana_b",
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS)),
                parsed);
    }

    @Test
    void everyHeaderFunctionHasABindingWithTheSameSignature() throws IOException {
        Map<String, FunctionDescriptor> header = parse(header());
        assertTrue(header.size() >= 20, "parsed only " + header.keySet());
        List<String> problems = new ArrayList<>();
        header.forEach(
                (name, descriptor) -> {
                    FunctionDescriptor bound = LibNana.SIGNATURES.get(name);
                    if (bound == null) problems.add(name + ": in nana.h, not bound in LibNana");
                    else if (!bound.equals(descriptor))
                        problems.add(
                                name + ": nana.h says " + descriptor + ", LibNana binds " + bound);
                });
        LibNana.SIGNATURES.keySet().stream()
                .filter(n -> !header.containsKey(n))
                .forEach(n -> problems.add(n + ": bound in LibNana, not in nana.h"));
        assertEquals(List.of(), problems);
    }

    @Test
    void constantsMatchTheHeader() throws IOException {
        Map<String, Integer> defines = new LinkedHashMap<>();
        Matcher m = DEFINE.matcher(header());
        while (m.find()) defines.put(m.group(1), Integer.decode(m.group(2)));
        assertFalse(defines.isEmpty());
        assertEquals(defines.get("NANA_ABI_VERSION"), LibNana.ABI_VERSION);
        assertEquals(defines.get("NANA_SPAWN_SETSID"), LibNana.SPAWN_SETSID);
        assertEquals(defines.get("NANA_EV_IN"), LibNana.EV_IN);
        assertEquals(defines.get("NANA_EV_OUT"), LibNana.EV_OUT);
        assertEquals(defines.get("NANA_EV_ERR"), LibNana.EV_ERR);
        assertEquals(defines.get("NANA_EV_HUP"), LibNana.EV_HUP);
    }

    @Test
    void loadedLibraryHasTheSameAbi() {
        LibNana.requireAbi();
        assertEquals(LibNana.ABI_VERSION, LibNana.abiVersion());
    }
}
