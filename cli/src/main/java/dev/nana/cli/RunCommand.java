package dev.nana.cli;

import dev.nana.NanaException;
import dev.nana.UnavailableException;
import dev.nana.ContainerSpec;
import dev.nana.Stdio;
import dev.nana.os.LibNana;
import dev.nana.os.OsException;
import dev.nana.shim.ShimExit;
import dev.nana.shim.ShimHandle;
import dev.nana.state.StateDir;
import dev.nana.supervisor.Launcher;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nana run}: create and start a container, stream its output, exit with its code. */
@Command(name = "run",
        description = {"Create and start a container, print its output and exit with its exit code.",
                "With no --bundle, runs the demo busybox bundle (scripts/setup builds it)."},
        mixinStandardHelpOptions = true)
public final class RunCommand implements Callable<Integer> {
    @Option(names = "--bundle", paramLabel = "DIR", description = "OCI bundle directory (default: the demo bundle)")
    Path bundle;

    @Option(names = "--runtime", paramLabel = "NAME|PATH", defaultValue = "${NANA_RUNTIME:-runc}",
            description = "OCI runtime: runc, crun or an absolute path (default: ${DEFAULT-VALUE})")
    String runtime;

    @Option(names = "--runtime-arg", paramLabel = "ARG", description = "extra global argument for the runtime (repeatable)")
    List<String> runtimeArgs = new ArrayList<>();

    @Option(names = "--rm", description = "delete the container when it exits")
    boolean remove;

    @Option(names = {"-d", "--detach"}, description = "print the id and leave the container running")
    boolean detach;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "set an environment variable (repeatable)")
    List<String> env = new ArrayList<>();

    @Option(names = "--memory", paramLabel = "SIZE", description = "memory limit, e.g. 64m")
    String memory;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${NANA_STATE_DIR:-/run/nana}",
            description = "state directory (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "command and arguments (after --), instead of the bundle's")
    List<String> command = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (detach && remove) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rm and --detach cannot be used together");
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
        if (!detach) {
            stdio = new Stdio(null, io.resolve("stdout"), io.resolve("stderr"));
            LibNana.mkfifo(stdio.stdout(), 0600);
            LibNana.mkfifo(stdio.stderr(), 0600);
        }
        ContainerSpec containerSpec = ContainerSpec.builder(id, bundle != null ? bundle.toAbsolutePath() : demoBundle())
                .runtime(runtime).runtimeArgs(runtimeArgs).env(env).args(command).stdio(stdio)
                .memoryLimitBytes(memory == null ? null : Sizes.parse("--memory", memory)).build();
        Launcher launcher = new Launcher(new StateDir(stateDir));
        Launcher.Prepared prepared = launcher.prepare(Launcher.resolve(containerSpec, "runc"));

        // open the read ends before the shim starts: nothing written early is lost
        List<Thread> pumps = new ArrayList<>();
        try {
            if (!detach) {
                pumps.add(OutputPump.start("stdout", LibNana.fifoOpenRead(stdio.stdout()),
                        new FileOutputStream(FileDescriptor.out)));
                pumps.add(OutputPump.start("stderr", LibNana.fifoOpenRead(stdio.stderr()),
                        new FileOutputStream(FileDescriptor.err)));
            }
        } catch (OsException e) {
            launcher.abort(prepared);
            throw new UnavailableException("run \"" + id + "\": " + e.getMessage(), e);
        }
        ShimHandle shim = launcher.launch(prepared, true, Duration.ofSeconds(60));
        if (detach) {
            shim.close();
            spec.commandLine().getOut().println(id);
            return 0;
        }
        ShimExit status = shim.awaitExit(Duration.ofDays(365 * 100)).orElseThrow();
        for (Thread t : pumps) t.join();
        if (status.oomKills() > 0) {
            spec.commandLine().getErr().println("nana: \"" + id + "\" was OOM-killed");
        }
        if (remove) {
            try {
                launcher.remove(id, prepared.runtime(), runtimeArgs);
            } catch (NanaException e) {
                spec.commandLine().getErr().println("nana: " + e.getMessage());
            }
        }
        return status.code();
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
}
