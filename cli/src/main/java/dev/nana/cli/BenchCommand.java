package dev.nana.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nana.ContainerSpec;
import dev.nana.Supervisor;
import dev.nana.client.RemoteSupervisor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nana bench}: creates and starts N containers of the demo bundle (sleep), C at a time,
 * waits until all run, then kills and deletes them, C at a time; prints per phase the total time,
 * the throughput and the p50/p95/p99 latency of each operation.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description =
                "Start N sleeping containers C at a time, then kill and delete them; print each phase's"
                        + " time, throughput and p50/p95/p99 latency. --via api runs an in-process supervisor on a"
                        + " private state directory; --via daemon drives the daemon at --address. The first --warmup"
                        + " containers go through both phases untimed, so the figures are those of a warm supervisor,"
                        + " as a daemon's are.")
public final class BenchCommand extends Subcommand implements Callable<Integer> {
    enum Via {
        api,
        daemon
    }

    @Option(
            names = "--count",
            defaultValue = "100",
            description = "containers (default: ${DEFAULT-VALUE})")
    int count;

    @Option(
            names = "--concurrency",
            defaultValue = "10",
            description = "operations at once (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(
            names = "--runtime",
            paramLabel = "NAME|PATH",
            description = "runc, crun or a path (default: $NANA_RUNTIME, else runc)")
    String runtime;

    @Option(
            names = "--runtime-arg",
            paramLabel = "ARG",
            description =
                    "extra global argument for the runtime, e.g. --runtime-arg=--root --runtime-arg=DIR (repeatable)")
    List<String> runtimeArgs = new ArrayList<>();

    @Option(
            names = "--warmup",
            defaultValue = "20",
            description = "untimed containers first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(
            names = "--via",
            defaultValue = "api",
            description = "api or daemon (default: ${DEFAULT-VALUE})")
    Via via;

    @Option(
            names = "--state-root",
            paramLabel = "DIR",
            defaultValue = "/run",
            description =
                    "where --via api makes its private state directory (default: ${DEFAULT-VALUE}; a tmpfs is best)")
    Path stateRoot;

    @Option(names = "--json", description = "print one JSON object, nothing else")
    boolean json;

    /** One phase's figures. */
    record Phase(
            String name, double seconds, double perSecond, double p50, double p95, double p99) {}

    @Override
    public Integer call() throws Exception {
        if (count < 1 || concurrency < 1 || warmup < 0) {
            throw new dev.nana.InvalidArgumentException(
                    "--count and --concurrency must be at least 1, --warmup at least 0");
        }
        String rt = runtime != null ? runtime : nana.io.env("NANA_RUNTIME", "runc");
        Path bundle = RunCommand.demoBundle();
        Path state = null;
        Supervisor s;
        if (via == Via.daemon) {
            s = RemoteSupervisor.connect(nana.global.address);
        } else {
            state = Files.createTempDirectory(nana.io.resolve(stateRoot), "nana-bench-");
            s =
                    Supervisor.builder()
                            .stateDir(state)
                            .defaultRuntime(rt)
                            .maxConcurrentStarts(concurrency)
                            .build();
        }
        String prefix = "bench-" + ProcessHandle.current().pid() + "-";
        List<Phase> phases = new ArrayList<>();
        try (s) {
            Function<String, Op> start =
                    p ->
                            i ->
                                    s.run(
                                            ContainerSpec.builder(p + i, bundle)
                                                    .runtime(rt)
                                                    .runtimeArgs(runtimeArgs)
                                                    .args("sleep", "1000")
                                                    .build());
            Function<String, Op> stop = p -> i -> s.delete(p + i, true);
            try {
                if (warmup > 0) {
                    phase("warm-up", warmup, start.apply(prefix + "warm-"));
                    phase("warm-up", warmup, stop.apply(prefix + "warm-"));
                }
                phases.add(phase("create+start", count, start.apply(prefix)));
                phases.add(phase("kill+delete", count, stop.apply(prefix)));
            } catch (Exception e) {
                removeLeftovers(s, prefix); // a failed run leaves no container running
                throw e;
            }
        } finally {
            if (state != null) deleteTree(state);
        }
        print(rt, phases);
        return 0;
    }

    /** Removes the run's own state directory (symlinks are removed, never followed). */
    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static void removeLeftovers(Supervisor s, String prefix) {
        try {
            for (var c : s.list()) {
                if (!c.id().startsWith(prefix)) continue;
                try {
                    s.delete(c.id(), true);
                } catch (RuntimeException e) {
                    // the first failure is the one to report
                }
            }
        } catch (RuntimeException e) {
            // the supervisor itself failed: the first failure is the one to report
        }
    }

    interface Op {
        void run(int i) throws Exception;
    }

    private Phase phase(String name, int count, Op op) throws Exception {
        double[] latencies = new double[count];
        AtomicInteger done = new AtomicInteger();
        boolean bar = !json && nana.io.terminal.isTty();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                all.add(
                        pool.submit(
                                () -> {
                                    long start = System.nanoTime();
                                    op.run(n);
                                    latencies[n] = (System.nanoTime() - start) / 1e9;
                                    int d = done.incrementAndGet();
                                    if (bar) progress(name, d, count);
                                    return null;
                                }));
            }
            for (Future<?> f : all) f.get();
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (bar) nana.io.err.write("\r\033[K".getBytes(StandardCharsets.UTF_8));
        Arrays.sort(latencies);
        return new Phase(
                name,
                seconds,
                count / seconds,
                pct(latencies, 50),
                pct(latencies, 95),
                pct(latencies, 99));
    }

    private synchronized void progress(String name, int done, int count) {
        int width = 30;
        int filled = done * width / count;
        String line =
                "\r"
                        + name
                        + " ["
                        + "#".repeat(filled)
                        + " ".repeat(width - filled)
                        + "] "
                        + done
                        + "/"
                        + count;
        try {
            nana.io.err.write(line.getBytes(StandardCharsets.UTF_8));
            nana.io.err.flush();
        } catch (IOException e) {
            // no terminal after all
        }
    }

    static double pct(double[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private void print(String rt, List<Phase> phases) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode n = Output.JSON.createObjectNode();
            n.put("count", count)
                    .put("warmup", warmup)
                    .put("concurrency", concurrency)
                    .put("runtime", rt)
                    .put("via", via.name());
            var arr = n.putArray("phases");
            phases.forEach(p -> arr.add(Output.JSON.valueToTree(p)));
            out.println(Output.JSON.writeValueAsString(n));
            out.flush();
            return;
        }
        out.printf(
                "%d containers (after %d untimed), %d at a time, %s, via %s%n",
                count, warmup, concurrency, rt, via);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"PHASE", "TOTAL", "PER SECOND", "P50", "P95", "P99"});
        for (Phase p : phases) {
            rows.add(
                    new String[] {
                        p.name(),
                        String.format("%.3fs", p.seconds()),
                        String.format("%.1f", p.perSecond()),
                        ms(p.p50()),
                        ms(p.p95()),
                        ms(p.p99())
                    });
        }
        Output.table(out, rows);
    }

    private static String ms(double seconds) {
        return String.format("%.1fms", seconds * 1000);
    }
}
