package dev.nana;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to create: an id, an OCI bundle or an image, the runtime to drive it with, and the overrides
 * a user expects without editing config.json. nana never writes into the bundle: overrides go into
 * its own copy of config.json, which runs the same rootfs. A container made from an image (one of
 * nana's image store, {@code nana image pull}) runs on an overlay of the image's layers with an
 * upper folder of its own, and the process of the image's config, as {@code docker run IMAGE} does.
 *
 * <p>A spec is checked when it is made, the same wherever it goes (in-process or to a daemon): a
 * malformed one throws {@link InvalidArgumentException} naming the field. What needs the machine
 * (the bundle's contents, the runtime) is checked when it is used.
 *
 * @param id {@code [A-Za-z0-9][A-Za-z0-9_.-]{0,75}}
 * @param bundle absolute path of the bundle (config.json and rootfs); null for a container made
 *     from an image
 * @param runtime runc, crun, or an absolute path; null for the supervisor's default
 * @param runtimeArgs extra global arguments for the runtime (e.g. --root DIR)
 * @param labels free key/value pairs kept with the container
 * @param stdio client FIFOs
 * @param terminal give the process a pty
 * @param args replaces process.args when not empty
 * @param env KEY=VALUE entries added to (or replacing in) process.env
 * @param cwd replaces process.cwd when not null
 * @param memoryLimitBytes sets linux.resources.memory.limit when not null
 * @param openStdin keep the process's stdin open for {@link Container#input()}: nana makes its FIFO
 *     (instead of a client's stdio.stdin)
 * @param logFile an absolute path to write the process's output to as well, in the Kubernetes CRI
 *     log format (what {@code kubectl logs} and podman's k8s-file driver read), or null
 * @param image the image to run (a name, digest reference or id in nana's store) instead of a
 *     bundle, or null
 * @param hostNetwork run in the host's network namespace instead of the bundle's or image's own (as
 *     {@code docker run --network host}): the container's ports are the host's
 */
public record ContainerSpec(
        String id,
        Path bundle,
        String runtime,
        List<String> runtimeArgs,
        Map<String, String> labels,
        Stdio stdio,
        boolean terminal,
        List<String> args,
        List<String> env,
        String cwd,
        Long memoryLimitBytes,
        boolean openStdin,
        Path logFile,
        String image,
        boolean hostNetwork) {

    /**
     * Checks and copies the fields.
     *
     * @throws InvalidArgumentException naming the first field that is wrong
     */
    public ContainerSpec {
        ContainerId.require(id, "container id");
        if (image != null && image.isBlank())
            throw new InvalidArgumentException(
                    "container \""
                            + id
                            + "\": the image is blank: give its name, e.g. busybox:1.36");
        if (bundle == null && image == null)
            throw new InvalidArgumentException(
                    "container \""
                            + id
                            + "\": the bundle is missing: give its absolute path, or an image");
        if (bundle != null && image != null)
            throw new InvalidArgumentException(
                    "container \"" + id + "\": give a bundle or an image to run, not both");
        if (bundle != null && !bundle.isAbsolute())
            throw new InvalidArgumentException(
                    "container \""
                            + id
                            + "\": bundle \""
                            + bundle
                            + "\" is a relative path: give an absolute one");
        if (runtime != null && runtime.isBlank())
            throw new InvalidArgumentException(
                    "container \"" + id + "\": the runtime is blank: give runc, crun or a path");
        runtimeArgs = copyOf("runtime argument", id, runtimeArgs);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        Limits.checkLabels(id, labels);
        stdio = Objects.requireNonNullElse(stdio, Stdio.NONE);
        args = copyOf("argument", id, args);
        env = copyOf("env entry", id, env);
        for (String kv : env) EnvEntries.check("container \"" + id + "\": ", kv);
        if (cwd != null && !cwd.startsWith("/"))
            throw new InvalidArgumentException(
                    "container \""
                            + id
                            + "\": cwd \""
                            + cwd
                            + "\" must be an absolute path inside the container");
        if (openStdin && stdio.stdin() != null)
            throw new InvalidArgumentException(
                    "container \""
                            + id
                            + "\": give either openStdin (nana makes the FIFO) or stdio.stdin"
                            + " (yours), not both");
        if (logFile != null && !logFile.isAbsolute())
            throw new InvalidArgumentException(
                    "container \""
                            + id
                            + "\": log file \""
                            + logFile
                            + "\" is a relative path: give an absolute one");
        if (memoryLimitBytes != null && memoryLimitBytes <= 0)
            throw new InvalidArgumentException(
                    "container \""
                            + id
                            + "\": memory limit "
                            + memoryLimitBytes
                            + " must be a positive number of bytes");
    }

    /** The label that keeps a spec's request id with its container ({@link Builder#requestId}). */
    public static final String REQUEST_ID_LABEL = "dev.nana.request-id";

    /**
     * The request id the builder was given, or null.
     *
     * @return what {@link Builder#requestId} set
     */
    public String requestId() {
        return labels.get(REQUEST_ID_LABEL);
    }

    private static List<String> copyOf(String what, String id, List<String> list) {
        if (list == null) return List.of();
        for (String s : list)
            if (s == null)
                throw new InvalidArgumentException(
                        "container \"" + id + "\": a " + what + " is null: leave it out");
        return List.copyOf(list);
    }

    /**
     * A builder of a spec: everything but the id and the bundle is optional.
     *
     * @param id the container id
     * @param bundle the bundle's absolute path
     * @return a builder
     */
    public static Builder builder(String id, Path bundle) {
        return new Builder(id, bundle);
    }

    /**
     * A builder of a spec that runs an image of nana's store: everything but the id and the image
     * is optional; args replace the image's command, as {@code docker run IMAGE CMD} does.
     *
     * @param id the container id
     * @param image the image's name (e.g. busybox:1.36), digest reference or id
     * @return a builder
     */
    public static Builder fromImage(String id, String image) {
        Builder b = new Builder(id, null);
        b.image = image;
        return b;
    }

    /** Builds a spec; only the id and the bundle (or the image) are required. */
    public static final class Builder {
        private final String id;
        private final Path bundle;
        private String runtime;
        private final List<String> runtimeArgs = new ArrayList<>();
        private final Map<String, String> labels = new LinkedHashMap<>();
        private Stdio stdio = Stdio.NONE;
        private boolean terminal;
        private final List<String> args = new ArrayList<>();
        private final List<String> env = new ArrayList<>();
        private String cwd;
        private Long memoryLimitBytes;
        private boolean openStdin;
        private Path logFile;
        private String image;
        private boolean hostNetwork;

        private Builder(String id, Path bundle) {
            this.id = id;
            this.bundle = bundle;
        }

        /**
         * The runtime (default: the supervisor's).
         *
         * @param nameOrPath runc, crun, or an absolute path
         * @return this builder
         */
        public Builder runtime(String nameOrPath) {
            this.runtime = nameOrPath;
            return this;
        }

        /**
         * Extra global arguments for the runtime (such as --root DIR), added.
         *
         * @param a the arguments
         * @return this builder
         */
        public Builder runtimeArgs(List<String> a) {
            runtimeArgs.addAll(a);
            return this;
        }

        /**
         * A label kept with the container.
         *
         * @param key its key
         * @param value its value
         * @return this builder
         */
        public Builder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        /**
         * Makes create and run of this spec idempotent: a create or run of a container that exists
         * already, made by a spec with the same request id, returns it (a run starts it if it was
         * only created) instead of throwing AlreadyExistsException. A call cut by a daemon's
         * restart can then be made again, by nana's client or its caller, without knowing whether
         * it was done. Kept as the label {@link #REQUEST_ID_LABEL}.
         *
         * @param requestId the caller's id of this request (a UUID, say), 1 to 128 characters
         * @return this builder
         */
        public Builder requestId(String requestId) {
            if (requestId == null || requestId.isBlank() || requestId.length() > 128)
                throw new InvalidArgumentException(
                        "container \""
                                + id
                                + "\": a request id is 1 to 128 characters: give one such as a"
                                + " UUID");
            labels.put(REQUEST_ID_LABEL, requestId);
            return this;
        }

        /**
         * Labels kept with the container, added.
         *
         * @param l the labels
         * @return this builder
         */
        public Builder labels(Map<String, String> l) {
            labels.putAll(l);
            return this;
        }

        /**
         * FIFOs of the caller's own for the process's stdio.
         *
         * @param s the FIFOs
         * @return this builder
         */
        public Builder stdio(Stdio s) {
            this.stdio = s;
            return this;
        }

        /**
         * Gives the process a pty.
         *
         * @param t whether to
         * @return this builder
         */
        public Builder terminal(boolean t) {
            this.terminal = t;
            return this;
        }

        /**
         * Replaces process.args.
         *
         * @param a the command and its arguments
         * @return this builder
         */
        public Builder args(List<String> a) {
            args.clear();
            args.addAll(a);
            return this;
        }

        /**
         * Replaces process.args.
         *
         * @param a the command and its arguments
         * @return this builder
         */
        public Builder args(String... a) {
            return args(List.of(a));
        }

        /**
         * Adds KEY=VALUE entries to (or replaces them in) process.env.
         *
         * @param e the entries
         * @return this builder
         */
        public Builder env(List<String> e) {
            env.addAll(e);
            return this;
        }

        /**
         * Replaces process.cwd.
         *
         * @param c an absolute path inside the container
         * @return this builder
         */
        public Builder cwd(String c) {
            this.cwd = c;
            return this;
        }

        /**
         * Sets linux.resources.memory.limit, or with null leaves the bundle's.
         *
         * @param bytes a number of bytes (Bytes.mib(64) is 64 MiB)
         * @return this builder
         */
        public Builder memoryLimitBytes(Long bytes) {
            this.memoryLimitBytes = bytes;
            return this;
        }

        /**
         * Sets linux.resources.memory.limit: {@code memoryLimit(Bytes.mib(64))}.
         *
         * @param bytes a number of bytes (Bytes.mib(64) is 64 MiB)
         * @return this builder
         */
        public Builder memoryLimit(long bytes) {
            this.memoryLimitBytes = bytes;
            return this;
        }

        /**
         * Adds KEY=VALUE entries to (or replaces them in) process.env.
         *
         * @param keyValues KEY=VALUE entries
         * @return this builder
         */
        public Builder env(String... keyValues) {
            return env(List.of(keyValues));
        }

        /**
         * Adds one environment variable. (Two KEY=VALUE entries, {@code env("A=1", "B=2")}, bind to
         * this form in Java: they are taken as two entries.)
         *
         * @param key the variable's name
         * @param value its value
         * @return this builder
         */
        public Builder env(String key, String value) {
            env.addAll(EnvEntries.of(key, value));
            return this;
        }

        /**
         * Extra global arguments for the runtime (such as --root DIR).
         *
         * @param a the arguments
         * @return this builder
         */
        public Builder runtimeArgs(String... a) {
            return runtimeArgs(List.of(a));
        }

        /**
         * Keeps the process's stdin open: {@link Container#input()} writes to it, and closing that
         * stream gives the process end-of-file (as {@code docker run -i}).
         *
         * @return this builder
         */
        public Builder openStdin() {
            this.openStdin = true;
            return this;
        }

        /**
         * Runs the container in the host's network namespace (as {@code docker run --network
         * host}): a server in it listens on the host's interfaces, at its own port.
         *
         * @return this builder
         */
        public Builder hostNetwork() {
            this.hostNetwork = true;
            return this;
        }

        /**
         * Writes the process's output to this file as well, in the Kubernetes CRI log format (one
         * record a line: time, stream, F or P for a part of a line over 16 KiB, text).
         *
         * @param path an absolute path
         * @return this builder
         */
        public Builder logFile(Path path) {
            this.logFile = path;
            return this;
        }

        /**
         * The spec, checked: see {@link ContainerSpec}.
         *
         * @return the spec
         */
        public ContainerSpec build() {
            return new ContainerSpec(
                    id,
                    bundle,
                    runtime,
                    runtimeArgs,
                    labels,
                    stdio,
                    terminal,
                    args,
                    env,
                    cwd,
                    memoryLimitBytes,
                    openStdin,
                    logFile,
                    image,
                    hostNetwork);
        }
    }
}
