package dev.nana.cli;

import dev.nana.ExitStatus;
import dev.nana.ProcessControl;
import dev.nana.Stdio;
import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.spi.CommandRunner.Terminal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nana run}: create and start a container, stream its output, exit with its code. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Create and start a container, print its output and exit with its exit code.",
            "With no --bundle or --image, runs the demo busybox bundle (scripts/setup builds it)."
        })
public final class RunCommand extends Subcommand implements Callable<Integer> {
    @Mixin ContainerOptions container;

    @Option(names = "--rm", description = "delete the container when it exits")
    boolean remove;

    @Option(
            names = {"-d", "--detach"},
            description = "print the id and leave the container running")
    boolean detach;

    @Option(
            names = {"-i", "--interactive"},
            description = "pass this terminal's stdin to the container")
    boolean interactive;

    @Override
    public Integer call() throws Exception {
        if (detach && remove) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--rm and --detach cannot be used together");
        }
        if (detach && interactive) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--interactive and --detach cannot be used together");
        }
        if (detach) return run(ClientStdio.NONE); // no stdio to carry: no FIFOs to make
        try (ClientStdio client = ClientStdio.open(nana, "run-", interactive, !container.tty)) {
            return run(client);
        }
    }

    private int run(ClientStdio client) throws Exception {
        Stdio stdio = client.stdio();
        String id = container.id;
        Terminal terminal = nana.io.terminal;
        boolean rawTerminal = interactive && container.tty && terminal.isTty();
        Supervisor s = Nana.open(nana);
        boolean local = Nana.inProcess(s);
        // in-process, the supervisor lets go of the state directory once the container runs:
        // the rest goes straight through the container's shim
        ProcessControl control = local ? Nana.io(nana) : s;
        Runnable resize = ClientStdio.resizer(terminal, control, id, null);
        try {
            if (rawTerminal) {
                // -it: the container's pty gets our size before its program runs, then follows it
                s.create(container.spec(nana.io, stdio));
                resize.run();
                s.start(id);
            } else {
                s.run(container.spec(nana.io, stdio));
            }
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        if (detach) {
            s.close();
            spec.commandLine().getOut().println(id);
            return 0;
        }
        if (rawTerminal) {
            terminal.raw(true); // keys go to the container as typed
            terminal.onResize(resize);
        }
        CompletableFuture<Void> detached = new CompletableFuture<>();
        if (interactive) {
            InputPump.start(
                    nana.io.in,
                    client.openInput(),
                    () -> control.closeInput(id, null),
                    rawTerminal ? () -> detached.complete(null) : null);
        }
        if (!local) {
            // a signal the caller gets (Ctrl-C) goes to the container, as docker's sig-proxy does
            nana.io.onSignal(
                    sig -> {
                        try {
                            s.kill(id, sig, false);
                        } catch (RuntimeException e) {
                            // it has exited already
                        }
                    });
        }
        if (local) s.close(); // let other CLIs in while this one streams
        CompletableFuture<ExitStatus> exited = control.waitForExit(id);
        try {
            Subcommand.await(CompletableFuture.anyOf(exited, detached));
        } catch (Exception e) {
            exited.cancel(true); // interrupted (a forwarded client gone): the wait ends too
            throw e;
        }
        if (detached.isDone() && !exited.isDone()) {
            exited.cancel(true); // no longer waited for
            if (rawTerminal) terminal.raw(false);
            spec.commandLine()
                    .getErr()
                    .println(
                            "\r\nnana: detached from \""
                                    + id
                                    + "\", which runs on; nana attach "
                                    + id
                                    + " reattaches"
                                    + (remove
                                            ? " (--rm no longer applies: nana rm -f "
                                                    + id
                                                    + " removes it)"
                                            : ""));
            if (!local) s.close();
            return 0;
        }
        ExitStatus exit = Subcommand.await(exited);
        client.join(0);
        int code = client.exitCode(exit.code(), "\"" + id + "\"", spec.commandLine().getErr());
        if (rawTerminal) terminal.raw(false);
        if (exit.oomKilled())
            spec.commandLine().getErr().println("nana: \"" + id + "\" was OOM-killed");
        if (remove) {
            try (Supervisor again = local ? Nana.local(nana) : s) {
                again.remove(
                        id); // answered once it is gone from the list; the runtime's delete follows
            }
        } else if (!local) {
            s.close();
        }
        return code;
    }

    static Path demoBundle() {
        String explicit = System.getProperty("nana.demoBundle");
        String home = System.getProperty("nana.home");
        Path p =
                explicit != null
                        ? Path.of(explicit)
                        : home != null ? Path.of(home, "build", "demo-bundle") : null;
        if (p == null || !Files.isRegularFile(p.resolve("config.json"))) {
            throw new UnavailableException(
                    "the demo bundle is not built"
                            + (p == null ? "" : " (" + p + ")")
                            + ": run scripts/setup, or give --bundle DIR");
        }
        return p;
    }

    /**
     * Copies the caller's stdin into the process's stdin; at EOF, ends the process's input. With
     * onDetach, the detach keys Ctrl-P Ctrl-Q (docker's) stop the copy and call it instead, leaving
     * the process running.
     */
    static final class InputPump {
        static final byte CTRL_P = 0x10;
        static final byte CTRL_Q = 0x11;

        private InputPump() {}

        static void start(InputStream in, OutputStream stdin, Runnable endInput) {
            start(in, stdin, endInput, null);
        }

        static void start(
                InputStream in, OutputStream stdin, Runnable endInput, Runnable onDetach) {
            Thread.ofPlatform()
                    .name("stdin")
                    .daemon()
                    .start(
                            () -> {
                                try (stdin) {
                                    if (copy(in, stdin, onDetach)) endInput.run();
                                } catch (Exception e) {
                                    // the process is gone; nothing to feed
                                }
                            });
        }

        /** Copies in to stdin until EOF (true) or the detach keys (false, onDetach called). */
        private static boolean copy(InputStream in, OutputStream stdin, Runnable onDetach)
                throws IOException {
            byte[] buf = new byte[65536];
            byte[] chunk = new byte[buf.length + 1];
            boolean pendingCtrlP = false;
            int n;
            while ((n = in.read(buf)) > 0) {
                int len = 0;
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (onDetach != null && pendingCtrlP) {
                        pendingCtrlP = false;
                        if (b == CTRL_Q) {
                            stdin.write(chunk, 0, len);
                            onDetach.run();
                            return false;
                        }
                        chunk[len++] = CTRL_P; // not the sequence: pass the Ctrl-P on
                    }
                    if (onDetach != null && b == CTRL_P) {
                        pendingCtrlP = true;
                        continue;
                    }
                    chunk[len++] = b;
                }
                stdin.write(chunk, 0, len);
            }
            return true;
        }
    }
}
