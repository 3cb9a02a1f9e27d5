package dev.nana;

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
    public ExecSpec {
        args = List.copyOf(args);
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
        for (String kv : env) {
            if (kv.indexOf('=') <= 0)
                throw new InvalidArgumentException("env \"" + kv + "\" is not KEY=VALUE");
        }
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

    public static ExecSpec of(String... args) {
        return new ExecSpec(null, List.of(args), List.of(), null, null, false, Stdio.NONE, 0, 0);
    }
}
