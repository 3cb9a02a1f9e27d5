package dev.nana.cli;

import dev.nana.Resources;
import dev.nana.Supervisor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nana update ID --memory 64m …}: change a live container's limits. */
@Command(
        name = "update",
        mixinStandardHelpOptions = true,
        description =
                "Change a live container's resource limits (the runtime's update); others stay as they are.")
public final class UpdateCommand extends Subcommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Option(names = "--memory", paramLabel = "SIZE", description = "memory limit, e.g. 64m")
    String memory;

    @Option(
            names = "--memory-reservation",
            paramLabel = "SIZE",
            description = "memory soft limit, e.g. 32m")
    String memoryReservation;

    @Option(
            names = "--cpu-shares",
            paramLabel = "N",
            description = "relative CPU weight (2 to 262144)")
    Long cpuShares;

    @Option(
            names = "--cpu-quota",
            paramLabel = "MICROS",
            description = "CFS quota per period, -1 for none")
    Long cpuQuota;

    @Option(
            names = "--cpu-period",
            paramLabel = "MICROS",
            description = "CFS period (1000 to 1000000)")
    Long cpuPeriod;

    @Option(
            names = "--cpuset-cpus",
            paramLabel = "LIST",
            description = "CPUs it may use, e.g. 0 or 0-1")
    String cpusetCpus;

    @Option(
            names = "--pids-limit",
            paramLabel = "N",
            description = "most processes it may have, -1 for no limit")
    Long pidsLimit;

    @Override
    public Integer call() {
        Resources r =
                new Resources(
                        memory == null ? null : Sizes.parse("--memory", memory),
                        memoryReservation == null
                                ? null
                                : Sizes.parse("--memory-reservation", memoryReservation),
                        cpuShares,
                        cpuQuota,
                        cpuPeriod,
                        cpusetCpus,
                        pidsLimit);
        try (Supervisor s = Nana.open(nana)) {
            s.update(id, r);
        }
        spec.commandLine().getOut().println(id);
        return 0;
    }
}
