package dev.nana.it.api;

import dev.nana.Supervisor;
import dev.nana.supervisor.state.StateDir;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
