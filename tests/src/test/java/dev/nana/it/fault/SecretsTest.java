package dev.nana.it.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.it.NanaCli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * No secret leaks: a container's environment values appear in no log (the daemon's, at debug level;
 * the shim's; the runtime's), not in the event journal, and the only files that must hold them (the
 * container's config.json and an exec's process.json, which the runtime reads) sit in 0700 folders
 * of a 0700 state directory.
 */
@Tag("fault")
class SecretsTest {
    private static final String SECRET = "s3cr3t-" + Long.toHexString(System.nanoTime());

    @Test
    void environmentValuesAreNeverLoggedAndTheStateIsRootOnly() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon("--debug");
            assertEquals(
                    0,
                    nana.run("run", "-d", "-e", "API_TOKEN=" + SECRET, "sec", "--", "sleep", "1000")
                            .exit());
            NanaCli.Run exec =
                    nana.run(
                            "exec",
                            "-e",
                            "EXEC_TOKEN=" + SECRET,
                            "sec",
                            "--",
                            "sh",
                            "-c",
                            "exit 4");
            assertEquals(4, exec.exit(), exec.err());
            NanaCli.Run bad =
                    nana.run(
                            "run",
                            "-d",
                            "-e",
                            "BAD_TOKEN=" + SECRET,
                            "--runtime",
                            "/nonexistent/runtime",
                            "bad",
                            "--",
                            "true");
            assertTrue(
                    bad.exit() != 0 && !bad.err().contains(SECRET),
                    "an error does not echo the environment: " + bad.err());

            assertEquals("rwx------", mode(nana.stateDir), "the state directory");
            List<String> holders = new ArrayList<>();
            List<Path> files =
                    new ArrayList<>(
                            List.of(
                                    nana.stateDir.resolveSibling(
                                            nana.stateDir.getFileName() + ".daemon.log")));
            try (Stream<Path> all = Files.walk(nana.stateDir)) {
                all.filter(Files::isRegularFile).forEach(files::add);
            }
            try (Stream<Path> dirs = Files.walk(nana.stateDir)) {
                for (Path d : dirs.filter(Files::isDirectory).toList()) {
                    if (!d.equals(nana.stateDir) && d.getParent().equals(nana.stateDir))
                        assertEquals("rwx------", mode(d), d.toString());
                }
            }
            for (Path f : files) {
                if (new String(Files.readAllBytes(f), StandardCharsets.UTF_8).contains(SECRET))
                    holders.add(nana.stateDir.relativize(f).toString());
            }
            holders.sort(null);
            assertEquals(
                    List.of("sec/bundle/config.json"),
                    holders.stream().filter(h -> !h.endsWith("process.json")).toList(),
                    "only the runtime's own input holds the value");
            assertTrue(
                    nana.daemonLog().contains("sec"),
                    "the daemon did log at debug level: " + nana.daemonLog());
            assertEquals("rw-------", mode(nana.stateDir.resolve("sec/bundle/config.json")));
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
