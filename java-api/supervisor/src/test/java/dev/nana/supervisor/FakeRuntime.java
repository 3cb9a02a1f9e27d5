package dev.nana.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nana.ContainerSpec;
import dev.nana.Event;
import dev.nana.EventType;
import dev.nana.oci.SpecOpts;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A supervisor over a fake OCI runtime (resources/.../fake-runtime, a shell script: no namespaces,
 * no cgroups) with real shims, so that the loop and its handlers are tested anywhere, without root.
 * Its containers' processes behave as their bundle's NANA_FAKE says.
 */
final class FakeRuntime {
    final Path state;
    final Path runtime;
    final Path runtimeRoot;
    private final Path tmp;

    FakeRuntime(Path tmp) throws IOException {
        this.tmp = tmp;
        state = tmp.resolve("state");
        runtimeRoot = tmp.resolve("fake-root");
        runtime = tmp.resolve("fake-runtime");
        try (InputStream in = FakeRuntime.class.getResourceAsStream("fake-runtime")) {
            Files.copy(in, runtime);
        }
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    LocalSupervisor open() {
        return open(LocalSupervisor.DEFAULT_MAX_CONCURRENT_STARTS);
    }

    LocalSupervisor open(int starts) {
        return LocalSupervisor.builder()
                .stateDir(state)
                .defaultRuntime(runtime.toString())
                .maxConcurrentStarts(starts)
                .build();
    }

    /** A bundle whose fake process behaves as mode says (sleep, exit:N, fail, slow). */
    Path bundle(String mode) throws IOException {
        Path b = Files.createTempDirectory(tmp, "bundle");
        Files.createDirectory(b.resolve("rootfs"));
        StateFiles.writeBytes(
                b.resolve("config.json"),
                SpecOpts.build(
                                SpecOpts.withProcessArgs(List.of("fake")),
                                SpecOpts.withEnv(List.of("NANA_FAKE=" + mode)),
                                SpecOpts.withRoot("rootfs", false))
                        .toJson());
        return b;
    }

    ContainerSpec spec(String id, String mode) throws IOException {
        return ContainerSpec.builder(id, bundle(mode))
                .runtimeArgs(List.of("--root", runtimeRoot.toString()))
                .build();
    }

    /** The fake runtime's own folder for a container (its pid, its updates). */
    Path runtimeDir(String id) {
        return runtimeRoot.resolve(id);
    }

    static List<EventType> types(List<Event> events, String id) {
        return events.stream().filter(e -> e.id().equals(id)).map(Event::type).toList();
    }

    static void awaitSize(List<?> list, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (list.size() < n && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(n, list.size(), "events: " + list);
    }
}
