package dev.nana.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * nana-bom pins, for a user's build, the libraries nana's parts bring at the versions nana's own
 * build pins. The BOM has no parent (importing it must bring nothing else), so it states them
 * again: this keeps the two equal.
 */
class BomPinsTest {
    private static final Path HOME = Path.of(System.getProperty("nana.home", "."));

    @Test
    void theBomPinsWhatTheBuildPins() throws Exception {
        String parent = Files.readString(HOME.resolve("pom.xml"));
        String bom = Files.readString(HOME.resolve("java-api/bom/pom.xml"));
        for (String property :
                List.of("grpc.version", "protobuf.version", "jackson.version", "slf4j.version"))
            assertEquals(property(parent, property), property(bom, property), property);
        for (String[] pinned :
                List.of(
                        new String[] {"guava.version", "guava"},
                        new String[] {"j2objc-annotations.version", "j2objc-annotations"},
                        new String[] {"netty.version", "netty-bom"},
                        new String[] {"jib-core.version", "jib-core"},
                        new String[] {"google-http-client.version", "google-http-client"}))
            assertEquals(version(parent, pinned[1]), property(bom, pinned[0]), pinned[1]);
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
        assertTrue(m.find(), name + " is not set");
        return m.group(1).strip();
    }

    /** The literal version the parent's dependencyManagement gives artifactId. */
    private static String version(String pom, String artifactId) {
        Matcher m =
                Pattern.compile(
                                "<artifactId>"
                                        + Pattern.quote(artifactId)
                                        + "</artifactId>\\s*<version>([^<$]+)</version>")
                        .matcher(pom);
        assertTrue(m.find(), artifactId + " has no literal version in the parent");
        return m.group(1).strip();
    }
}
