package dev.nana.supervisor.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nana.InvalidArgumentException;
import dev.nana.oci.Spec;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleTest {
    @TempDir Path dir;

    private void config(String json) throws IOException {
        Files.createDirectories(dir.resolve("rootfs"));
        Files.writeString(dir.resolve("config.json"), json);
    }

    private static final String GOOD =
            """
            {"process": {"args": ["sh"], "env": ["PATH=/bin", "A=1"], "cwd": "/"},
             "root": {"path": "rootfs"},
             "linux": {"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "mount"}]}}""";

    private String refusal(Path p) {
        return assertThrows(InvalidArgumentException.class, () -> Bundle.open(p)).getMessage();
    }

    @Test
    void namesEachProblemWithItsFix() throws IOException {
        assertTrue(refusal(Path.of("rel")).contains("relative path"));
        assertTrue(refusal(dir.resolve("none")).contains("does not exist"));
        Files.writeString(dir.resolve("file"), "x");
        assertTrue(refusal(dir.resolve("file")).contains("not a directory"));
        assertTrue(refusal(dir).contains("has no config.json"));
        config("{not json");
        assertTrue(refusal(dir).contains("is not valid JSON"), refusal(dir));
        config("[1]");
        assertTrue(refusal(dir).contains("not a JSON object"));
        config("{\"root\": {\"path\": \"rootfs\"}}");
        assertTrue(refusal(dir).contains("\"process\" is missing"));
        config("{\"process\": {\"args\": []}, \"root\": {\"path\": \"rootfs\"}}");
        assertTrue(refusal(dir).contains("process.args must be a non-empty array"));
        config("{\"process\": {\"args\": [\"sh\"]}, \"root\": {\"path\": 5}}");
        assertTrue(refusal(dir).contains("root.path must be a string"));
        config("{\"process\": {\"args\": [\"sh\"]}, \"root\": {\"path\": \"nowhere\"}}");
        assertTrue(refusal(dir).contains("is not a directory"));
    }

    @Test
    void refusesAHugeConfig() throws IOException {
        config(
                "{\"process\": {\"args\": [\"sh\"]}, \"root\": {\"path\": \"rootfs\"}, \"x\": \""
                        + "a".repeat((int) Bundle.MAX_CONFIG_BYTES)
                        + "\"}");
        assertTrue(refusal(dir).contains("larger than"));
    }

    @Test
    void overridesGoIntoACopyWithAnAbsoluteRoot() throws IOException {
        config(GOOD);
        Bundle b = Bundle.open(dir);
        JsonNode c =
                json(
                        b.configWith(
                                new Bundle.Overrides(
                                        List.of("echo", "hi"),
                                        List.of("A=2", "B=3"),
                                        "/tmp",
                                        true,
                                        16L << 20,
                                        true)));
        assertEquals(dir.resolve("rootfs").toString(), c.at("/root/path").asText());
        assertEquals("[\"echo\",\"hi\"]", c.at("/process/args").toString());
        assertEquals("[\"PATH=/bin\",\"A=2\",\"B=3\"]", c.at("/process/env").toString());
        assertEquals("/tmp", c.at("/process/cwd").asText());
        assertTrue(c.at("/process/terminal").asBoolean());
        assertEquals(16L << 20, c.at("/linux/resources/memory/limit").asLong());
        assertEquals(
                "[{\"type\":\"pid\"},{\"type\":\"mount\"}]",
                c.at("/linux/namespaces").toString(),
                "hostNetwork: no network namespace of its own");
        assertEquals(
                "[\"sh\"]",
                json(b.config()).at("/process/args").toString(),
                "the user's config is untouched");
        assertFalse(b.config().root.path.startsWith("/"));
        JsonNode plain = json(b.configWith(Bundle.Overrides.NONE));
        assertEquals(
                json(b.config()).at("/process"),
                plain.at("/process"),
                "no overrides: the bundle's process as is");
        assertEquals(3, plain.at("/linux/namespaces").size(), "and its namespaces");
    }

    private static JsonNode json(Spec s) throws IOException {
        return StateFiles.JSON.readTree(s.toJson());
    }

    @Test
    void aFieldOfTheWrongTypeIsNamed() throws IOException {
        config(
                "{\"process\": {\"args\": [\"sh\"], \"terminal\": {}}, \"root\": {\"path\": \"rootfs\"}}");
        assertTrue(refusal(dir).contains("terminal"), refusal(dir));
    }

    @Test
    void refusesBadOverrides() {
        assertThrows(
                InvalidArgumentException.class,
                () ->
                        new Bundle.Overrides(
                                List.of(), List.of("NOEQUALS"), null, null, null, false));
        assertThrows(
                InvalidArgumentException.class,
                () -> new Bundle.Overrides(List.of(), List.of("=x"), null, null, null, false));
        assertThrows(
                InvalidArgumentException.class,
                () -> new Bundle.Overrides(List.of(), List.of(), "rel", null, null, false));
        assertThrows(
                InvalidArgumentException.class,
                () -> new Bundle.Overrides(List.of(), List.of(), null, null, -1L, false));
    }
}
