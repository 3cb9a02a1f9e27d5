package dev.nana.it.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.Container;
import dev.nana.ContainerSpec;
import dev.nana.ExecHandle;
import dev.nana.ExecSpec;
import dev.nana.Supervisor;
import dev.nana.junit.TestContainer;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/JAVA-API.md's side-by-side table stays true of nana: every call its nana column names in
 * code ({@code name(…)}) is a public method of the API's types, so a rename or a removal fails here
 * until the table says it too.
 */
class JavaApiDocTest {
    private static final Path DOC =
            Path.of(System.getProperty("nana.home", "."), "docs", "JAVA-API.md");

    /** The types a user of the table calls. */
    private static final List<Class<?>> API =
            List.of(
                    Supervisor.class,
                    Supervisor.Builder.class,
                    Container.class,
                    ExecHandle.class,
                    ContainerSpec.class,
                    ContainerSpec.Builder.class,
                    ExecSpec.class,
                    ExecSpec.Builder.class,
                    dev.nana.Resources.Builder.class,
                    dev.nana.Bytes.class,
                    dev.nana.ClientIo.class,
                    TestContainer.class,
                    java.time.Duration.class); // in the examples

    /** A call in code: an identifier before "(", inside backticks. */
    private static final Pattern CALL = Pattern.compile("\\b([a-z][A-Za-z0-9]*)\\(");

    @Test
    void everyCallTheTablesNanaColumnNamesIsAMethodOfTheApi() throws IOException {
        List<String> rows =
                Files.readAllLines(DOC).stream()
                        .filter(l -> l.startsWith("| ") && !l.startsWith("| |"))
                        .toList();
        assertTrue(rows.size() >= 18, "the table has its rows: " + rows.size());
        Set<String> methods = new TreeSet<>();
        for (Class<?> type : API)
            for (Method m : type.getMethods())
                if (Modifier.isPublic(m.getModifiers())) methods.add(m.getName());
        List<String> missing = new ArrayList<>();
        int named = 0;
        for (String row : rows) {
            // "| what | ProcessBuilder | docker-java | Testcontainers | nana |": nana's is the last
            String[] cells = row.split("\\|", -1);
            String nana = cells[cells.length - 2];
            for (String code : codeSpans(nana)) {
                Matcher m = CALL.matcher(code);
                while (m.find()) {
                    named++;
                    if (!methods.contains(m.group(1)))
                        missing.add(m.group(1) + " in `" + code + "`");
                }
            }
        }
        assertTrue(named >= 40, "the nana column names calls: " + named);
        assertEquals(List.of(), missing, "named in docs/JAVA-API.md's nana column, not in the API");
    }

    /** The `code` spans of a cell. */
    private static List<String> codeSpans(String cell) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("`([^`]+)`").matcher(cell);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    @Test
    void theTableHasARowForEachThingItCompares() throws IOException {
        String doc = Files.readString(DOC);
        for (String row :
                Stream.of(
                                "what you depend on",
                                "module path",
                                "start it",
                                "handle",
                                "a process in a running container",
                                "output",
                                "input",
                                "cleanup",
                                "tests",
                                "a daemon restart")
                        .toList())
            assertTrue(doc.contains("| " + row + " |"), "JAVA-API.md's table has no row " + row);
    }
}
