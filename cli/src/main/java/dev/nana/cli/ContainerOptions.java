package dev.nana.cli;

import dev.nana.ContainerSpec;
import dev.nana.InvalidArgumentException;
import dev.nana.Stdio;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What run and create take to describe a container. */
final class ContainerOptions {
    @Option(
            names = "--bundle",
            paramLabel = "DIR",
            description = "OCI bundle directory (default: the demo busybox bundle)")
    Path bundle;

    @Option(
            names = "--image",
            paramLabel = "REF",
            description =
                    "run an image of nana's store instead of a bundle (nana image pull or import"
                            + " brings it in): an overlay of its layers, its command, env and user")
    String image;

    @Option(
            names = "--runtime",
            paramLabel = "NAME|PATH",
            description =
                    "OCI runtime: runc, crun or an absolute path (default: ${NANA_RUNTIME:-runc})")
    String runtime;

    @Option(
            names = "--runtime-arg",
            paramLabel = "ARG",
            description = "extra global argument for the runtime (repeatable)")
    List<String> runtimeArgs = new ArrayList<>();

    @Option(
            names = {"-l", "--label"},
            paramLabel = "KEY=VALUE",
            description = "a label to keep with the container (repeatable)")
    List<String> labels = new ArrayList<>();

    @Mixin ProcessOptions process = new ProcessOptions();

    @Option(
            names = "--log-file",
            paramLabel = "PATH",
            description =
                    "also write the output to PATH in the Kubernetes CRI log format (as kubectl logs reads it)")
    Path logFile;

    @Option(names = "--memory", paramLabel = "SIZE", description = "memory limit, e.g. 64m")
    String memory;

    @Option(
            names = {"-t", "--tty"},
            description = "give the container a terminal")
    boolean tty;

    @Option(
            names = "--network",
            paramLabel = "host",
            description =
                    "host: the host's network instead of the bundle's or image's own (an image's"
                            + " has only lo)")
    String network;

    @Parameters(
            index = "0",
            paramLabel = "ID",
            description = "container id: letters, digits, '_', '.', '-'")
    String id;

    @Parameters(
            index = "1..*",
            paramLabel = "CMD",
            description = "command and arguments (after --), instead of the bundle's or image's")
    List<String> command = new ArrayList<>();

    ContainerSpec spec(Io io, Stdio stdio) {
        Map<String, String> l = new LinkedHashMap<>();
        for (String kv : labels) {
            int eq = kv.indexOf('=');
            if (eq <= 0)
                throw new InvalidArgumentException("label \"" + kv + "\" is not KEY=VALUE");
            l.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        String rt = runtime != null ? runtime : io.env("NANA_RUNTIME", "runc");
        if (image != null && bundle != null)
            throw new InvalidArgumentException(
                    "--bundle "
                            + bundle
                            + " and --image "
                            + image
                            + ": give one of them, not both");
        if (network != null && !network.equals("host"))
            throw new InvalidArgumentException(
                    "--network "
                            + network
                            + ": nana knows \"host\" (the host's network); without --network a"
                            + " container has its bundle's or image's own");
        ContainerSpec.Builder b =
                image != null
                        ? ContainerSpec.fromImage(id, image)
                        : ContainerSpec.builder(
                                id, bundle != null ? io.resolve(bundle) : RunCommand.demoBundle());
        b.runtime(rt)
                .runtimeArgs(runtimeArgs)
                .labels(l)
                .env(process.env)
                .cwd(process.cwd)
                .args(command)
                .terminal(tty)
                .stdio(stdio)
                .memoryLimitBytes(memory == null ? null : Sizes.parse("--memory", memory))
                .logFile(logFile == null ? null : io.resolve(logFile));
        if (network != null) b.hostNetwork();
        return b.build();
    }
}
