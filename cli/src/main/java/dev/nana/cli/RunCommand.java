package dev.nana.cli;

import dev.nana.Stdio;
import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.spi.CommandRunner.Terminal;
import dev.nana.supervisor.LocalSupervisor;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.shim.ShimProtocol;
import dev.nana.supervisor.state.StateDir;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
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
        LibNana.requireAbi();
        if (detach) return run(ClientStdio.NONE); // no stdio to carry: no FIFO folder to make
        Path io = ClientStdio.folder(nana, "run-");
        try (ClientStdio client = ClientStdio.open(io, interactive, !container.tty, nana.io)) {
            return run(client);
        } finally {
            StateDir.deleteTree(io);
        }
    }

    private int run(ClientStdio client) throws Exception {
        Stdio stdio = client.stdio();
        String id = container.id;
        GlobalOptions g = nana.global;
        Path control = Nana.stateDir(nana).resolve(id).resolve("init").resolve("control");
        Terminal terminal = nana.io.terminal;
        boolean rawTerminal = interactive && container.tty && terminal.isTty();
        Runnable resize = ClientStdio.resizer(terminal, control);
        Supervisor s = Nana.open(nana);
        boolean local = s instanceof LocalSupervisor;
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
                    LibNana.fifoOpenWrite(stdio.stdin()),
                    control,
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
        CompletableFuture<int[]> exited =
                local
                        ? CompletableFuture.supplyAsync(
                                () -> {
                                    try {
                                        var exit = ExitWatch.await(g.stateDir, id);
                                        return new int[] {exit.code(), exit.oomKills()};
                                    } catch (Exception e) {
                                        throw new CompletionException(e);
                                    }
                                },
                                Executors.newVirtualThreadPerTaskExecutor())
                        : s.waitForExit(id)
                                .thenApply(e -> new int[] {e.code(), e.oomKilled() ? 1 : 0});
        Subcommand.await(CompletableFuture.anyOf(exited, detached));
        if (detached.isDone() && !exited.isDone()) {
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
        int code = Subcommand.await(exited)[0];
        boolean oom = Subcommand.await(exited)[1] > 0;
        client.join(0);
        code = client.exitCode(code, "\"" + id + "\"", spec.commandLine().getErr());
        if (rawTerminal) terminal.raw(false);
        if (oom) spec.commandLine().getErr().println("nana: \"" + id + "\" was OOM-killed");
        if (remove) {
            try (Supervisor again = local ? Nana.local(g) : s) {
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
     * Copies the caller's stdin into the container's stdin FIFO; at EOF, closes the container's
     * stdin. With onDetach, the detach keys Ctrl-P Ctrl-Q (docker's) stop the copy and call it
     * instead, leaving the container running.
     */
    static final class InputPump {
        static final byte CTRL_P = 0x10;
        static final byte CTRL_Q = 0x11;

        private InputPump() {}

        static void start(InputStream in, Fd fifo, Path control) {
            start(in, fifo, control, null);
        }

        static void start(InputStream in, Fd fifo, Path control, Runnable onDetach) {
            Thread.ofPlatform()
                    .name("stdin")
                    .daemon()
                    .start(
                            () -> {
                                byte[] buf = new byte[65536];
                                try (fifo;
                                        var arena = Arena.ofConfined()) {
                                    var seg = arena.allocate(buf.length + 1);
                                    boolean pendingCtrlP = false;
                                    int n;
                                    while ((n = in.read(buf)) > 0) {
                                        int len = 0;
                                        byte[] chunk = new byte[n + 1];
                                        for (int i = 0; i < n; i++) {
                                            byte b = buf[i];
                                            if (onDetach != null && pendingCtrlP) {
                                                pendingCtrlP = false;
                                                if (b == CTRL_Q) {
                                                    write(fifo, seg, chunk, len);
                                                    onDetach.run();
                                                    return;
                                                }
                                                chunk[len++] =
                                                        CTRL_P; // not the sequence: pass the Ctrl-P
                                                // on
                                            }
                                            if (onDetach != null && b == CTRL_P) {
                                                pendingCtrlP = true;
                                                continue;
                                            }
                                            chunk[len++] = b;
                                        }
                                        write(fifo, seg, chunk, len);
                                    }
                                    try (Fd c = LibNana.fifoOpenReadWrite(control)) {
                                        LibNana.writeFully(c, ShimProtocol.closeStdin());
                                    }
                                } catch (Exception e) {
                                    // the container is gone; nothing to feed
                                }
                            });
        }

        private static void write(Fd fifo, MemorySegment seg, byte[] data, int len)
                throws Exception {
            MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_BYTE, 0, len);
            int off = 0;
            while (off < len) off += LibNana.write(fifo, seg.asSlice(off), len - off);
        }
    }
}
