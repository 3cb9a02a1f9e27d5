package dev.nana.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nana.ContainerSpec;
import dev.nana.NanaException;
import dev.nana.supervisor.Launcher;
import dev.nana.supervisor.runtime.OciRuntime;
import dev.nana.supervisor.shim.ShimHandle;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * One test's world: a private state directory, bundles made from the demo bundle's rootfs, unique
 * container ids, and a cleanup that leaves no container, runtime state or folder behind whatever
 * the test did.
 */
public final class Fixture implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public final String runtimeName;
    public final OciRuntime runtime;
    public final Path stateDir;
    public final Launcher launcher;
    private final Path bundles;
    private final List<String> ids = new ArrayList<>();

    public Fixture(String runtimeName) throws IOException {
        assertTrue(isRoot(), "integration tests need root (real runtimes, real cgroups)");
        this.runtimeName = runtimeName;
        this.runtime = OciRuntime.resolve(runtimeName);
        this.stateDir = Files.createTempDirectory(Path.of("/run"), "nana-it-");
        this.bundles = Files.createTempDirectory("nana-it-bundles-");
        this.launcher = new Launcher(new StateDir(stateDir));
    }

    public static boolean isRoot() {
        try {
            return Files.readString(Path.of("/proc/self/status"))
                    .lines()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+", -1)[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    public static Path demoBundle() {
        Path p = Path.of(System.getProperty("nana.home", "."), "build", "demo-bundle");
        if (!Files.isRegularFile(p.resolve("config.json")))
            fail("demo bundle missing at " + p + ": run scripts/setup");
        return p;
    }

    /** A fresh id, cleaned up at the end. */
    public String id(String base) {
        String id =
                base
                        + "-"
                        + Integer.toHexString(
                                ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        ids.add(id);
        return id;
    }

    /** A bundle running the demo rootfs with the given args and config edits. */
    public Path bundle(List<String> args, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode config =
                (ObjectNode) JSON.readTree(demoBundle().resolve("config.json").toFile());
        config.withObjectProperty("root").put("path", demoBundle().resolve("rootfs").toString());
        var a = ((ObjectNode) config.get("process")).putArray("args");
        args.forEach(a::add);
        edit.accept(config);
        Path dir = Files.createTempDirectory(bundles, "b");
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        return dir;
    }

    public Path bundle(String... args) throws IOException {
        return bundle(List.of(args), c -> {});
    }

    /** A spec for this fixture's runtime. */
    public ContainerSpec.Builder spec(String id, Path bundle) {
        return ContainerSpec.builder(id, bundle).runtime(runtimeName);
    }

    /** Resolves, prepares and launches, as the supervisor's workers do. */
    public ShimHandle launch(ContainerSpec spec, boolean startNow) {
        return launcher.launch(
                launcher.prepare(Launcher.resolve(spec, runtimeName)),
                startNow,
                Duration.ofSeconds(60));
    }

    /** Creates and starts; the handle's container runs. */
    public ShimHandle run(String id, Path bundle) {
        return launch(spec(id, bundle).build(), true);
    }

    public Path containerDir(String id) {
        return stateDir.resolve(id);
    }

    @Override
    public void close() throws IOException {
        for (String id : ids) {
            try {
                runtime.delete(id, List.of(), true);
            } catch (NanaException e) {
                // not created, or already gone
            }
        }
        StateDir.deleteTree(stateDir);
        StateDir.deleteTree(bundles);
    }
}
