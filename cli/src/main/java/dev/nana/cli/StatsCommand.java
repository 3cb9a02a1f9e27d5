package dev.nana.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.nana.Stats;
import dev.nana.Supervisor;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nana stats ID… [--stream]}: resource use from the cgroup. */
@Command(
        name = "stats",
        mixinStandardHelpOptions = true,
        description = {
            "Show containers' resource use (CPU, memory, OOM kills, pids, block I/O) from their cgroups.",
            "With --stream, refresh every second until interrupted."
        })
public final class StatsCommand extends Subcommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "container ids")
    List<String> ids;

    @Option(names = "--stream", description = "refresh every second")
    boolean stream;

    @Option(
            names = "--format",
            defaultValue = "table",
            description = "table or json (default: ${DEFAULT-VALUE})")
    Output.Format format;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Supervisor s = Nana.open(nana)) {
            do {
                List<Stats> all = new ArrayList<>();
                for (String id : ids) all.add(s.stats(id));
                print(out, all);
                if (stream) Thread.sleep(1000);
            } while (stream);
        }
        return 0;
    }

    private void print(PrintWriter out, List<Stats> all) throws Exception {
        if (format == Output.Format.json) {
            ArrayNode arr = Output.JSON.createArrayNode();
            all.forEach(st -> arr.add(Output.JSON.valueToTree(st)));
            out.println(Output.JSON.writeValueAsString(arr));
            out.flush();
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(
                new String[] {
                    "ID", "CPU", "MEM USAGE / LIMIT", "CACHE", "OOM", "PIDS", "BLOCK I/O"
                });
        for (Stats st : all) {
            rows.add(
                    new String[] {
                        st.id(),
                        String.format("%.2fs", st.cpuNanos() / 1e9),
                        bytes(st.memoryBytes())
                                + " / "
                                + (st.memoryLimitBytes() == Long.MAX_VALUE
                                        ? "-"
                                        : bytes(st.memoryLimitBytes())),
                        bytes(st.memoryCacheBytes()),
                        Long.toString(st.oomKills()),
                        st.pids() + (st.pidsLimit() < 0 ? "" : " / " + st.pidsLimit()),
                        bytes(st.blockReadBytes()) + " / " + bytes(st.blockWriteBytes())
                    });
        }
        Output.table(out, rows);
    }

    static String bytes(long b) {
        if (b < 1024) return b + "B";
        if (b < 1L << 20) return String.format("%.1fKiB", b / 1024.0);
        if (b < 1L << 30) return String.format("%.1fMiB", b / (double) (1L << 20));
        return String.format("%.2fGiB", b / (double) (1L << 30));
    }
}
