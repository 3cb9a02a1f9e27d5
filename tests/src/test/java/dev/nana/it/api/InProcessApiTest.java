package dev.nana.it.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.Supervisor;
import dev.nana.supervisor.state.StateDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The API contract against the in-process supervisor, built the way a user builds one. */
class InProcessApiTest extends ApiContract {
    private Path stateDir;

    @Override
    Supervisor open() throws Exception {
        stateDir = Files.createTempDirectory(Path.of("/run"), "nana-api-");
        return Supervisor.builder().stateDir(stateDir).build();
    }

    @Override
    void shutDown() throws Exception {
        StateDir.deleteTree(stateDir);
    }

    @Test
    void anExitWhileNoSupervisorRanIsReportedWithTheTimeItHappened() throws Exception {
        nana.run(spec("late", "sh", "-c", "sleep 0.3"));
        nana.close(); // the container runs on, and exits with nobody watching
        Thread.sleep(1500);
        java.time.Instant reopened = java.time.Instant.now();
        nana = Supervisor.builder().stateDir(stateDir).build(); // restores it, and its exit
        dev.nana.ExitStatus e = nana.waitForExit("late").get(30, TimeUnit.SECONDS);
        assertEquals(0, e.code());
        assertTrue(
                e.exitedAt().isBefore(reopened),
                "exited at " + e.exitedAt() + ", when it did, not when read at " + reopened);
    }
}
