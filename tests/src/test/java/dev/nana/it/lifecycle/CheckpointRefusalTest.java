package dev.nana.it.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nana.it.NanaCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/**
 * Checkpoint and restore are refused, with what to install, where they cannot work — as on this
 * kind of machine (Debian 12's criu 3.17 on a 6.18 kernel; Debian's crun without CRIU) — and the
 * refusal harms nothing and leaves nothing behind.
 */
public class CheckpointRefusalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether `criu check` passes on this machine. */
    public static boolean criuWorks() {
        try {
            return new ProcessBuilder("criu", "check").redirectErrorStream(true).start().waitFor()
                    == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void aBrokenCriuIsRefusedWithTheFixAndTheContainerRunsOn() throws Exception {
        if (criuWorks())
            return; // a machine with a working CRIU: CriuCheckpointRestoreTest covers it
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            NanaCli.Run run = nana.run("run", "-d", "c", "--", "sleep", "100");
            assertEquals(0, run.exit(), run.err());
            Path image = nana.stateDir.resolveSibling(nana.stateDir.getFileName() + ".image");
            NanaCli.Run r = nana.run("checkpoint", "c", "--image-path", image.toString());
            assertEquals(125, r.exit());
            assertTrue(r.err().contains("check\" fails on this machine"), r.err());
            assertTrue(r.err().contains("CRIU >= 4.1") && r.err().contains("--criu"), r.err());
            assertEquals(
                    "running",
                    JSON.readTree(nana.run("inspect", "c").out()).path("status").asText());
            assertFalse(Files.exists(image), "nothing was written");

            NanaCli.Run restore =
                    nana.run("restore", "r", "--image-path", nana.stateDir.toString());
            assertEquals(125, restore.exit());
            assertTrue(restore.err().contains("CRIU >= 4.1"), restore.err());
            assertEquals(
                    1,
                    JSON.readTree(nana.run("ps", "--format", "json").out()).size(),
                    "no half-restored container");
            assertEquals(0, nana.run("rm", "-f", "c").exit());
        }
    }

    @Test
    void aRuntimeWithoutCriuIsRefusedByName() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            // a CRIU that passes its check, so that the runtime's own support is what is tested
            Path fakeCriu = nana.stateDir.resolveSibling(nana.stateDir.getFileName() + ".criu");
            Files.writeString(fakeCriu, "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(fakeCriu, PosixFilePermissions.fromString("rwx------"));
            try {
                assertEquals(
                        0,
                        nana.run("run", "-d", "--runtime", "crun", "c", "--", "sleep", "100")
                                .exit());
                NanaCli.Run r =
                        nana.run(
                                "checkpoint",
                                "c",
                                "--image-path",
                                "/tmp/nana-never",
                                "--criu",
                                fakeCriu.toString());
                assertEquals(125, r.exit());
                assertTrue(
                        r.err().contains("was built without CRIU") && r.err().contains("Use runc"),
                        r.err());
                assertEquals(
                        "running",
                        JSON.readTree(nana.run("inspect", "c").out()).path("status").asText());
                NanaCli.Run missing =
                        nana.run(
                                "checkpoint",
                                "c",
                                "--image-path",
                                "/tmp/x",
                                "--criu",
                                "/nonexistent/criu");
                assertEquals(125, missing.exit());
                assertTrue(missing.err().contains("is not an executable file"), missing.err());
                NanaCli.Run stopped = nana.run("checkpoint", "ghost", "--image-path", "/tmp/x");
                assertEquals(125, stopped.exit());
                assertEquals(0, nana.run("rm", "-f", "c").exit());
            } finally {
                Files.deleteIfExists(fakeCriu);
            }
        }
    }
}
