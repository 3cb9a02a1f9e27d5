package dev.nana.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The modules' floors (docs/ARCHITECTURE.md, "The Java modules"): every reference from one module's
 * main sources to a {@code dev.nana} package of another, imports and inline names alike, must go to
 * a module below it. A new reference upward (or sideways, as from the images to the CRI) fails here
 * with its file and line.
 */
class LayeringTest {
    /** Each module's sources, bottom floor first. */
    private static final Map<String, String> SOURCES = new LinkedHashMap<>();

    static {
        SOURCES.put("api", "java-api/api");
        SOURCES.put("oci", "java-api/oci");
        SOURCES.put("supervisor", "java-api/supervisor");
        SOURCES.put("images", "java-api/images");
        SOURCES.put("grpc", "java-api/grpc");
        SOURCES.put("client", "java-api/client");
        SOURCES.put("junit", "java-api/junit");
        SOURCES.put("cri", "daemon/cri");
        SOURCES.put("daemon", "daemon/server");
        SOURCES.put("cli", "cli");
    }

    /** What each module may reference. */
    private static final Map<String, Set<String>> ALLOWED =
            Map.of(
                    "api", Set.of(),
                    "oci", Set.of("api"),
                    "supervisor", Set.of("api", "oci"),
                    "images", Set.of("api", "oci", "supervisor"),
                    "grpc", Set.of("api"),
                    "client", Set.of("api", "grpc"),
                    // a user of the API, as a test is: it finds the rest through dev.nana.spi
                    "junit", Set.of("api"),
                    "cri", Set.of("api", "oci", "supervisor", "images", "grpc"),
                    "daemon", Set.of("api", "oci", "supervisor", "images", "grpc", "cri"),
                    // the CLI is a client of the API (and the image store's): it finds the
                    // supervisor, the daemon and the CRI at run time through dev.nana.spi
                    "cli", Set.of("api", "images", "client"));

    private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.nana(?:\\.[a-z][a-z0-9]*)*");

    private static Path home() {
        return Path.of(System.getProperty("nana.home", ".."));
    }

    private static List<Path> javaFiles(String module) {
        Path root = home().resolve(SOURCES.get(module)).resolve("src/main/java");
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.getFileName().toString().equals("module-info.java"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyModuleReferencesOnlyTheFloorsBelowIt() {
        // the generated stubs' packages, then every package declared in each module's sources
        Map<String, String> owner = new HashMap<>();
        owner.put("dev.nana.grpc.v1", "grpc");
        owner.put("dev.nana.cri.v1", "cri");
        for (String module : SOURCES.keySet()) {
            for (Path p : javaFiles(module)) {
                Matcher m = PACKAGE.matcher(read(p));
                if (m.find()) owner.putIfAbsent(m.group(1), module);
            }
        }
        assertTrue(owner.size() > 20, "the packages were found: " + owner.keySet());
        List<String> upward = new ArrayList<>();
        for (String module : SOURCES.keySet()) {
            for (Path p : javaFiles(module)) {
                String[] lines = read(p).split("\n", -1);
                for (int i = 0; i < lines.length; i++) {
                    Matcher m = REFERENCE.matcher(lines[i]);
                    while (m.find()) {
                        String target = ownerOf(m.group(), owner);
                        if (target != null
                                && !target.equals(module)
                                && !ALLOWED.get(module).contains(target))
                            upward.add(
                                    home().relativize(p)
                                            + ":"
                                            + (i + 1)
                                            + ": "
                                            + module
                                            + " → "
                                            + target
                                            + " ("
                                            + m.group()
                                            + ")");
                    }
                }
            }
        }
        assertEquals(List.of(), upward, "references to a module that is not below");
    }

    /** The module of the longest declared package a reference starts with, or null. */
    private static String ownerOf(String reference, Map<String, String> owner) {
        String[] parts = reference.split("\\.");
        for (int n = parts.length; n > 1; n--) {
            String module = owner.get(String.join(".", List.of(parts).subList(0, n)));
            if (module != null) return module;
        }
        return null;
    }
}
