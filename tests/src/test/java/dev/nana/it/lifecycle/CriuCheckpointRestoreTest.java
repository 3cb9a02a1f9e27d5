package dev.nana.it.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nana.it.NanaCli;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A real checkpoint and restore with runc, wherever `criu check` passes. The one test that may
 * report itself as not run (scripts/test allows it by name): Debian 12 ships criu 3.17, which
 * cannot run on kernels 6.13 and later, and Debian 13's criu 4.1 needs a newer libc.
 */
class CriuCheckpointRestoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void checkpointThenRestoreAContainerThatKeepsCounting() throws Exception {
        Assumptions.assumeTrue(
                CheckpointRefusalTest.criuWorks(),
                "not run: `criu check` fails here (Debian 12's criu 3.17 on a kernel >= 6.13 needs CRIU >= 4.1)");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            assertEquals(
                    0,
                    nana.run(
                                    "run",
                                    "-d",
                                    "c",
                                    "--",
                                    "sh",
                                    "-c",
                                    "i=0; while true; do i=$((i+1)); echo $i; sleep 0.1; done")
                            .exit());
            Thread.sleep(1000);
            Path image = nana.stateDir.resolveSibling(nana.stateDir.getFileName() + ".image");
            assertEquals(0, nana.run("checkpoint", "c", "--image-path", image.toString()).exit());
            nana.run("wait", "c");
            assertEquals(0, nana.run("rm", "c").exit());
            assertEquals(0, nana.run("restore", "c", "--image-path", image.toString()).exit());
            assertEquals(
                    "running",
                    JSON.readTree(nana.run("inspect", "c").out()).path("status").asText());
            Thread.sleep(500);
            assertTrue(nana.run("logs", "c").out().lines().count() > 5);
            assertEquals(0, nana.run("rm", "-f", "c").exit());
        }
    }
}
