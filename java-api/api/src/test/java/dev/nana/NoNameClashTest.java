package dev.nana;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code import dev.nana.*;} beside the JDK's packages a Java service imports on demand: no public
 * name of the API may be one of theirs (an EventListener did clash with java.util's).
 */
class NoNameClashTest {
    private static final List<String> ON_DEMAND =
            List.of(
                    "java/lang",
                    "java/util",
                    "java/util/concurrent",
                    "java/util/function",
                    "java/util/stream",
                    "java/io",
                    "java/nio/file",
                    "java/time",
                    "java/net");

    @Test
    void theApisNamesAreNoneOfTheJdksCommonPackages() throws Exception {
        Path api =
                Path.of(
                                ContainerSpec.class
                                        .getProtectionDomain()
                                        .getCodeSource()
                                        .getLocation()
                                        .toURI())
                        .resolve("dev/nana");
        Set<String> ours = names(api);
        assertTrue(
                ours.contains("Supervisor") && ours.contains("EventSubscriber"), ours.toString());
        FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
        assertTrue(
                names(jrt.getPath("modules/java.base/java/util")).contains("EventListener"),
                "the JDK's names are read");
        Set<String> clashes = new TreeSet<>();
        for (String pkg : ON_DEMAND) {
            Set<String> jdk = names(jrt.getPath("modules/java.base", pkg));
            for (String n : ours) if (jdk.contains(n)) clashes.add(n + " (" + pkg + ")");
        }
        assertEquals(Set.of(), clashes);
    }

    /** The top-level public-looking class names in dir (nested and package-info left out). */
    private static Set<String> names(Path dir) throws Exception {
        Set<String> out = new TreeSet<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString())
                    .filter(
                            n ->
                                    n.endsWith(".class")
                                            && !n.contains("$")
                                            && !n.startsWith("package-"))
                    .forEach(n -> out.add(n.substring(0, n.length() - ".class".length())));
        }
        return out;
    }
}
