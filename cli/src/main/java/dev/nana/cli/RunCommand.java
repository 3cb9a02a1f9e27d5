package dev.nana.cli;

import dev.nana.Stdio;
import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.os.Fd;
import dev.nana.os.LibNana;
import dev.nana.state.StateDir;
import dev.nana.supervisor.LocalSupervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nana run}: create and start a container, stream its output, exit with its code. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Create and start a container, print its output and exit with its exit code.",
                "With no --bundle, runs the demo busybox bundle (scripts/setup builds it)."})
public final class RunCommand extends Subcommand implements Callable<Integer> {
    @Mixin
    ContainerOptions container;

    @Option(names = "--rm", description = "delete the container when it exits")
    boolean remove;

    @Option(names = {"-d", "--detach"}, description = "print the id and leave the container running")
    boolean detach;

    @Option(names = {"-i", "--interactive"}, description = "pass this terminal's stdin to the container")
    boolean interactive;

    @Override
    public Integer call() throws Exception {
        if (detach && remove) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rm and --detach cannot be used together");
        }
        if (detach && interactive) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interactive and --detach cannot be used together");
        }
        LibNana.requireAbi();
        Path io = Files.createTempDirectory("nana-io-");
        try {
            return run(io);
        } finally {
            StateDir.deleteTree(io);
        }
    }

    private int run(Path io) throws Exception {
        Stdio stdio = Stdio.NONE;
        List<Thread> pumps = new ArrayList<>();
        if (!detach) {
            stdio = new Stdio(interactive ? io.resolve("stdin") : null, io.resolve("stdout"),
                    container.tty ? null : io.resolve("stderr"));
            for (Path p : new Path[] {stdio.stdin(), stdio.stdout(), stdio.stderr()}) if (p != null) LibNana.mkfifo(p, 0600);
            // the read ends open before the shim starts: nothing written early is lost
            pumps.add(OutputPump.start("stdout", LibNana.fifoOpenRead(stdio.stdout()), nana.io.out));
            if (stdio.stderr() != null) {
                pumps.add(OutputPump.start("stderr", LibNana.fifoOpenRead(stdio.stderr()), nana.io.err));
            }
        }
        String id = container.id;
        GlobalOptions g = nana.global;
        Path control = Nana.stateDir(nana).resolve(id).resolve("init").resolve("control");
        Terminal terminal = nana.io.terminal;
        boolean rawTerminal = interactive && container.tty && terminal.isTty();
        Runnable resize = () -> {
            int[] size = terminal.size();
            if (size == null) return;
            try (Fd c = LibNana.fifoOpenReadWrite(control)) {
                LibNana.writeFully(c, "resize " + size[0] + " " + size[1] + "\n");
            } catch (Exception e) {
                // it has exited
            }
        };
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
        if (interactive) InputPump.start(nana.io.in, LibNana.fifoOpenWrite(stdio.stdin()), control);
        if (!local) {
            // a signal the caller gets (Ctrl-C) goes to the container, as docker's sig-proxy does
            nana.io.onSignal(sig -> {
                try {
                    s.kill(id, sig, false);
                } catch (RuntimeException e) {
                    // it has exited already
                }
            });
        }
        int code;
        boolean oom;
        if (local) {
            s.close(); // let other CLIs in while this one streams
            var exit = ExitWatch.await(g.stateDir, id);
            code = exit.code();
            oom = exit.oomKills() > 0;
        } else {
            var exit = s.waitForExit(id).join();
            code = exit.code();
            oom = exit.oomKilled();
        }
        for (Thread t : pumps) t.join();
        if (rawTerminal) terminal.raw(false);
        if (oom) spec.commandLine().getErr().println("nana: \"" + id + "\" was OOM-killed");
        if (remove) {
            try (Supervisor again = local ? Nana.local(g) : s) {
                again.delete(id, true);
            }
        } else if (!local) {
            s.close();
        }
        return code;
    }

    static Path demoBundle() {
        String explicit = System.getProperty("nana.demoBundle");
        String home = System.getProperty("nana.home");
        Path p = explicit != null ? Path.of(explicit) : home != null ? Path.of(home, "build", "demo-bundle") : null;
        if (p == null || !Files.isRegularFile(p.resolve("config.json"))) {
            throw new UnavailableException("the demo bundle is not built" + (p == null ? "" : " (" + p + ")")
                    + ": run scripts/setup, or give --bundle DIR");
        }
        return p;
    }

    /** Copies this process's stdin into the container's stdin FIFO; at EOF, closes the container's stdin. */
    static final class InputPump {
        private InputPump() {}

        static void start(java.io.InputStream in, Fd fifo, Path control) {
            Thread.ofPlatform().name("stdin").daemon().start(() -> {
                byte[] buf = new byte[65536];
                try (fifo; var arena = java.lang.foreign.Arena.ofConfined()) {
                    var seg = arena.allocate(buf.length);
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        java.lang.foreign.MemorySegment.copy(buf, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, n);
                        int off = 0;
                        while (off < n) off += LibNana.write(fifo, seg.asSlice(off), n - off);
                    }
                    try (Fd c = LibNana.fifoOpenReadWrite(control)) {
                        LibNana.writeFully(c, "close-stdin\n");
                    }
                } catch (Exception e) {
                    // the container is gone; nothing to feed
                }
            });
        }
    }
}
