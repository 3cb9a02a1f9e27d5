package dev.nana;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An extra process to run in a running container, watched by its own nana-shim.
 *
 * @param execId its id within the container (same rules as container ids; not "init"), or null for
 *     a generated one
 * @param args the command and its arguments (required)
 * @param env KEY=VALUE entries added to (or replacing in) the container's process env
 * @param cwd working directory, or null for the container's
 * @param user "UID" or "UID:GID", or null for the container's user
 * @param terminal give it a pty
 * @param stdio client FIFOs
 * @param consoleRows with a terminal: its initial rows (0 for the runtime's default)
 * @param consoleCols with a terminal: its initial columns (0 for the runtime's default)
 */
public record ExecSpec(
        String execId,
        List<String> args,
        List<String> env,
        String cwd,
        String user,
        boolean terminal,
        Stdio stdio,
        int consoleRows,
        int consoleCols) {
    /**
     * Checks and copies the fields.
     *
     * @throws InvalidArgumentException naming the first field that is wrong
     */
    public ExecSpec {
        if (args == null || args.stream().anyMatch(Objects::isNull))
            throw new InvalidArgumentException("exec needs a command: give its args, none null");
        args = List.copyOf(args);
        if (env == null || env.stream().anyMatch(Objects::isNull))
            throw new InvalidArgumentException("exec env has a null entry: leave it out");
        env = List.copyOf(env);
        stdio = Objects.requireNonNullElse(stdio, Stdio.NONE);
        if (args.isEmpty())
            throw new InvalidArgumentException("exec needs a command: give its args");
        if (execId != null) {
            ContainerId.require(execId, "exec id");
            if (execId.equals("init"))
                throw new InvalidArgumentException(
                        "exec id \"init\" is the container's own process: choose another");
        }
        for (String kv : env) EnvEntries.check("exec: ", kv);
        if (cwd != null && !cwd.startsWith("/")) {
            throw new InvalidArgumentException(
                    "cwd \"" + cwd + "\" must be an absolute path inside the container");
        }
        if (consoleRows < 0 || consoleCols < 0 || consoleRows > 0xffff || consoleCols > 0xffff) {
            throw new InvalidArgumentException(
                    "console size " + consoleRows + "x" + consoleCols + " is out of range");
        }
        if (user != null && !user.matches("[0-9]+(:[0-9]+)?")) {
            throw new InvalidArgumentException(
                    "user \"" + user + "\" is not UID or UID:GID (numbers)");
        }
    }

    /**
     * The command alone, with everything else the container's.
     *
     * @param args the command and its arguments
     * @return the spec
     */
    public static ExecSpec of(String... args) {
        return builder(args).build();
    }

    /**
     * A builder for the command args; everything else is optional.
     *
     * @param args the command and its arguments
     * @return a builder
     */
    public static Builder builder(String... args) {
        return new Builder(List.of(args));
    }

    /** Builds an {@link ExecSpec}; checked when built. */
    public static final class Builder {
        private final List<String> args;
        private final List<String> env = new ArrayList<>();
        private String execId;
        private String cwd;
        private String user;
        private boolean terminal;
        private Stdio stdio = Stdio.NONE;
        private int consoleRows;
        private int consoleCols;

        private Builder(List<String> args) {
            this.args = args;
        }

        /**
         * Its id within the container (default: one is generated).
         *
         * @param id the id
         * @return this builder
         */
        public Builder execId(String id) {
            this.execId = id;
            return this;
        }

        /**
         * Adds KEY=VALUE entries to the container's process env.
         *
         * @param keyValues KEY=VALUE entries
         * @return this builder
         */
        public Builder env(String... keyValues) {
            env.addAll(List.of(keyValues));
            return this;
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
         * Working directory inside the container (absolute).
         *
         * @param dir the directory
         * @return this builder
         */
        public Builder cwd(String dir) {
            this.cwd = dir;
            return this;
        }

        /**
         * "UID" or "UID:GID".
         *
         * @param uidGid "UID" or "UID:GID"
         * @return this builder
         */
        public Builder user(String uidGid) {
            this.user = uidGid;
            return this;
        }

        /**
         * Gives it a pty of rows by cols (0 for the runtime's default).
         *
         * @param rows rows (0 for the runtime's default)
         * @param cols columns (0 for the runtime's default)
         * @return this builder
         */
        public Builder terminal(int rows, int cols) {
            this.terminal = true;
            this.consoleRows = rows;
            this.consoleCols = cols;
            return this;
        }

        /**
         * Client FIFOs for its stdio.
         *
         * @param s client FIFOs
         * @return this builder
         */
        public Builder stdio(Stdio s) {
            this.stdio = s;
            return this;
        }

        /**
         * The spec, checked.
         *
         * @return the spec
         */
        public ExecSpec build() {
            return new ExecSpec(
                    execId, args, env, cwd, user, terminal, stdio, consoleRows, consoleCols);
        }
    }
}
