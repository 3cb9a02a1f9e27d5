package dev.nana.supervisor.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nana.InvalidArgumentException;
import dev.nana.oci.Spec;
import dev.nana.oci.SpecOpts;
import dev.nana.supervisor.state.JsonErrors;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * A user's OCI bundle: a directory with config.json and a root filesystem. nana never writes into
 * it: overrides (args, env, …) go into a copy of config.json in nana's own state, whose root.path
 * points at the same rootfs.
 *
 * @param dir the bundle directory (absolute)
 * @param config the parsed config.json
 */
public record Bundle(Path dir, Spec config) {
    /**
     * config.json larger than this is refused: no real one comes close (runc spec writes ~3 KiB).
     * Parsed, a config takes ~3.3 times its size in the heap.
     */
    public static final long MAX_CONFIG_BYTES = 1L << 20;

    /**
     * What opening the bundle in dir takes from the heap budget while its container is made: its
     * config.json parsed (4 bytes a byte; 0 when there is none, which {@link #open} refuses).
     *
     * @param dir a bundle directory, or null
     * @return bytes
     */
    public static long heapBytes(Path dir) {
        if (dir == null) return 0;
        try {
            return 4 * Math.min(Files.size(dir.resolve("config.json")), MAX_CONFIG_BYTES)
                    + (16 << 10);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static final ObjectMapper JSON = StateFiles.JSON; // nana's one mapper

    /** Opens and checks a bundle directory; every problem is named with its fix. */
    public static Bundle open(Path dir) {
        if (dir == null)
            throw new InvalidArgumentException(
                    "bundle is missing: give the absolute path of an OCI bundle");
        if (!dir.isAbsolute()) {
            throw new InvalidArgumentException(
                    "bundle \"" + dir + "\" is a relative path: give an absolute one");
        }
        if (!Files.exists(dir)) {
            throw new InvalidArgumentException(
                    "bundle \""
                            + dir
                            + "\" does not exist: give a directory holding config.json and a rootfs");
        }
        if (!Files.isDirectory(dir)) {
            throw new InvalidArgumentException(
                    "bundle \""
                            + dir
                            + "\" is not a directory: give the directory that holds config.json");
        }
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new InvalidArgumentException(
                    "bundle \""
                            + dir
                            + "\" has no config.json: create one (runc spec writes a template)");
        }
        JsonNode root;
        try {
            if (Files.size(configFile) > MAX_CONFIG_BYTES) {
                throw new InvalidArgumentException(
                        "config.json of bundle \""
                                + dir
                                + "\" is larger than "
                                + (MAX_CONFIG_BYTES >> 20)
                                + " MiB: that is not an OCI runtime config");
            }
            root = JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw unreadable(dir, e);
        }
        if (!(root instanceof ObjectNode config)) {
            throw new InvalidArgumentException(
                    "config.json of bundle \"" + dir + "\" is not a JSON object");
        }
        requireObject(dir, config, "process");
        requireObject(dir, config, "root");
        JsonNode args = config.path("process").path("args");
        if (!args.isArray() || args.isEmpty()) {
            throw new InvalidArgumentException(
                    "config.json of bundle \""
                            + dir
                            + "\": process.args must be a non-empty array");
        }
        JsonNode rootPath = config.path("root").path("path");
        if (!rootPath.isTextual() || rootPath.asText().isEmpty()) {
            throw new InvalidArgumentException(
                    "config.json of bundle \"" + dir + "\": root.path must be a string");
        }
        Path rootfs = dir.resolve(rootPath.asText());
        if (!Files.isDirectory(rootfs, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(rootfs)) {
            throw new InvalidArgumentException(
                    "bundle \""
                            + dir
                            + "\": root.path \""
                            + rootPath.asText()
                            + "\" is not a directory");
        }
        try {
            return new Bundle(dir, Spec.of(config));
        } catch (IOException e) {
            throw unreadable(dir, e);
        }
    }

    /** A config.json that is not JSON, or not an OCI config's, or that cannot be read. */
    private static InvalidArgumentException unreadable(Path dir, IOException e) {
        return new InvalidArgumentException(
                "config.json of bundle \""
                        + dir
                        + (e instanceof JsonProcessingException json
                                ? "\" is " + JsonErrors.describe(json)
                                : "\" cannot be read: " + e.getMessage()),
                e);
    }

    private static void requireObject(Path dir, ObjectNode config, String field) {
        if (!config.path(field).isObject()) {
            throw new InvalidArgumentException(
                    "config.json of bundle \""
                            + dir
                            + "\": \""
                            + field
                            + "\" is missing or not an object");
        }
    }

    /** The absolute root filesystem. */
    public Path rootfs() {
        return dir.resolve(config.root.path).normalize();
    }

    /**
     * A copy of config.json with the overrides applied and root.path made absolute, so that it can
     * live in nana's state directory and run the same rootfs.
     */
    public Spec configWith(Overrides o) {
        Spec copy = config.copy();
        copy.root.path = rootfs().toString();
        if (!o.args().isEmpty()) SpecOpts.withProcessArgs(o.args()).apply(copy);
        if (!o.env().isEmpty()) SpecOpts.withEnv(o.env()).apply(copy);
        if (o.cwd() != null) SpecOpts.withCwd(o.cwd()).apply(copy);
        if (o.terminal() != null) SpecOpts.withTerminal(o.terminal()).apply(copy);
        if (o.memoryLimitBytes() != null)
            SpecOpts.withMemoryLimit(o.memoryLimitBytes()).apply(copy);
        if (o.hostNetwork() && copy.linux != null && copy.linux.namespaces != null)
            copy.linux.namespaces.removeIf(n -> "network".equals(n.type));
        return copy;
    }

    /** Writes config to dir/config.json (what the runtime reads as its bundle). */
    public static void writeConfig(Path dir, Spec config) throws IOException {
        StateFiles.writeBytes(dir.resolve("config.json"), config.toJson());
    }

    /**
     * What a user may change without editing config.json; null, empty or false means "as the bundle
     * says". hostNetwork drops the bundle's network namespace, so that the container has the
     * host's.
     */
    public record Overrides(
            List<String> args,
            List<String> env,
            String cwd,
            Boolean terminal,
            Long memoryLimitBytes,
            boolean hostNetwork) {
        public static final Overrides NONE =
                new Overrides(List.of(), List.of(), null, null, null, false);

        public Overrides {
            args = List.copyOf(args);
            env = List.copyOf(env);
            for (String kv : env) {
                if (kv.indexOf('=') <= 0) {
                    throw new InvalidArgumentException("env \"" + kv + "\" is not KEY=VALUE");
                }
            }
            if (memoryLimitBytes != null && memoryLimitBytes <= 0) {
                throw new InvalidArgumentException(
                        "memory limit " + memoryLimitBytes + " must be a positive number of bytes");
            }
            if (cwd != null && !cwd.startsWith("/")) {
                throw new InvalidArgumentException(
                        "cwd \"" + cwd + "\" must be an absolute path inside the container");
            }
        }
    }
}
