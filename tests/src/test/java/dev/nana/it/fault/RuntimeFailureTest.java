package dev.nana.it.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.NanaException;
import dev.nana.Supervisor;
import dev.nana.it.Fixture;
import dev.nana.it.Leaks;
import dev.nana.supervisor.LocalSupervisor;
import dev.nana.supervisor.state.StateDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A runtime that crashes or hangs: a script in front of the real runc that, when its mode file says
 * so, dies of SIGSEGV or sleeps forever in one verb. Every failure gives a clear error naming the
 * step, within the supervisor's runtime timeout, and leaves nothing: no folder, no shim, no runtime
 * state, no stuck runtime process. A failing delete or kill loses nothing either: the container
 * stays listed and works once the runtime does.
 */
@Tag("fault")
class RuntimeFailureTest {
    private Path dir;
    private Path runtime;
    private Path mode;
    private Path stateDir;

    @BeforeEach
    void fakeRuntime() throws Exception {
        assertTrue(Fixture.isRoot(), "integration tests need root");
        dir = Files.createTempDirectory("nana-fake-runtime-");
        mode = dir.resolve("mode");
        runtime = dir.resolve("flaky-runc");
        Files.writeString(
                runtime,
                """
                #!/bin/sh
                # flaky-runc: runc, unless MODE (e.g. hang-create, crash-start) names this call's verb
                mode=$(cat %s 2>/dev/null)
                verb=
                skip=
                for a in "$@"; do
                  if [ -n "$skip" ]; then skip=; continue; fi
                  case "$a" in
                    --log|--log-format|--root|--criu) skip=1 ;;
                    -*) ;;
                    *) verb=$a; break ;;
                  esac
                done
                case "$mode" in
                  hang-$verb) exec sleep 100000 ;;
                  crash-$verb) echo "flaky-runc: crashing in $verb" >&2; kill -SEGV $$ ;;
                esac
                exec /usr/sbin/runc "$@"
                """
                        .formatted(mode));
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
        stateDir = Files.createTempDirectory(Path.of("/run"), "nana-flaky-");
    }

    @AfterEach
    void cleanUp() throws Exception {
        Files.deleteIfExists(mode);
        try (Supervisor s = supervisor()) {
            for (var c : s.list()) s.delete(c.id(), true);
        }
        StateDir.deleteTree(stateDir);
        StateDir.deleteTree(dir);
    }

    private Supervisor supervisor() {
        return LocalSupervisor.builder()
                .stateDir(stateDir)
                .defaultRuntime(runtime.toString())
                .timeout(Duration.ofSeconds(2))
                .build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hang-create", "crash-create", "hang-start", "crash-start"})
    void aRuntimeThatFailsToCreateOrStartLeavesNothing(String failure) throws Exception {
        Files.writeString(mode, failure);
        String id = "f-" + failure;
        try (Supervisor s = supervisor()) {
            NanaException e =
                    assertThrows(
                            NanaException.class,
                            () ->
                                    s.run(
                                            ContainerSpec.builder(id, Fixture.demoBundle())
                                                    .args("sleep", "1000")
                                                    .build()));
            String step = failure.substring(failure.indexOf('-') + 1);
            String msg = e.getMessage();
            if (failure.startsWith("hang")) {
                assertTrue(
                        msg.contains(
                                        "did not report \""
                                                + (step.equals("create") ? "created" : "started")
                                                + "\" within 2000 ms")
                                && msg.contains("is the runtime hanging?"),
                        msg);
            } else {
                assertTrue(
                        msg.contains(step)
                                && (msg.contains("signal 11")
                                        || msg.contains("crashing in " + step)),
                        msg);
            }
            assertTrue(msg.contains(id), "the error names the container: " + msg);
            assertEquals(List.of(), s.list(), "nothing listed");
        }
        assertNothingLeft(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hang-delete", "crash-delete", "hang-kill", "crash-kill"})
    void aRuntimeThatFailsToKillOrDeleteLosesNothing(String failure) throws Exception {
        String id = "g-" + failure;
        try (Supervisor s = supervisor()) {
            s.run(ContainerSpec.builder(id, Fixture.demoBundle()).args("sleep", "1000").build());
            Files.writeString(mode, failure);
            NanaException e =
                    assertThrows(
                            NanaException.class,
                            () -> {
                                if (failure.endsWith("kill")) s.kill(id, 9, false);
                                else s.delete(id, true);
                            });
            String verb = failure.substring(failure.indexOf('-') + 1);
            assertTrue(
                    e.getMessage().contains(verb) && e.getMessage().contains(id), e.getMessage());
            if (failure.startsWith("hang")) {
                assertTrue(
                        e.getMessage().contains("did not finish within 2000 ms and was killed"),
                        e.getMessage());
            }
            assertEquals(List.of(), stuckRuntimes(), "no runtime call left hanging");
            // nothing lost: still listed, and a working runtime finishes the job
            assertEquals(1, s.list().size(), "still listed");
            Files.delete(mode);
            if (failure.endsWith("kill") || s.state(id).status() != ContainerStatus.STOPPED)
                s.kill(id, 9, false);
            assertEquals(137, s.waitForExit(id).get(30, TimeUnit.SECONDS).code());
            s.delete(id, false);
            assertEquals(List.of(), s.list());
        }
        assertNothingLeft(id);
    }

    private void assertNothingLeft(String id) {
        assertTrue(!Files.exists(stateDir.resolve(id)), "no folder for " + id);
        assertEquals(List.of(), Leaks.shims(stateDir), "no shim");
        assertEquals(List.of(), Leaks.runtimeState(Set.of(id)), "no runtime state");
        assertEquals(List.of(), Leaks.cgroups(Set.of(id)), "no cgroup");
        assertEquals(List.of(), stuckRuntimes(), "no runtime process left");
    }

    /** Processes of the fake runtime (or the sleep it hangs in) still around. */
    private List<String> stuckRuntimes() {
        return ProcessHandle.allProcesses()
                .filter(
                        p ->
                                p.info()
                                        .commandLine()
                                        .map(
                                                c ->
                                                        !c.contains("nana-shim")
                                                                && (c.contains(runtime.toString())
                                                                        || c.contains(
                                                                                "sleep 100000")))
                                        .orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .toList();
    }
}
