package dev.nana.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.nana.ContainerInfo;
import dev.nana.Event;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Tables for people, JSON for scripts: one place that shapes what commands print. */
final class Output {
    static final ObjectMapper JSON =
            new ObjectMapper()
                    .registerModule(new JavaTimeModule())
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    enum Format {
        table,
        json
    }

    private Output() {}

    static ObjectNode json(ContainerInfo c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", c.id());
        n.put(
                "status",
                c.status() == null ? "unknown" : c.status().name().toLowerCase(Locale.ROOT));
        n.put("pid", c.pid());
        if (c.exit() != null) {
            n.put("exitStatus", c.exit().code());
            n.put("exitedAt", c.exit().exitedAt().toString());
            n.put("oomKilled", c.exit().oomKilled());
        }
        n.put("oomKills", c.oomKills());
        n.put("runtime", c.runtime());
        n.put("bundle", c.bundle().toString());
        n.put("createdAt", c.createdAt().toString());
        n.set("labels", JSON.valueToTree(c.labels()));
        return n;
    }

    static ObjectNode json(Event e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("seq", e.seq());
        n.put("time", e.time().toString());
        n.put("type", e.type().name().toLowerCase(Locale.ROOT));
        n.put("id", e.id());
        n.put("process", e.process());
        if (e.exitCode() != null) n.put("exitCode", e.exitCode());
        return n;
    }

    static String line(Event e) {
        return e.time()
                + " "
                + e.type().name().toLowerCase(Locale.ROOT)
                + " "
                + e.id()
                + (e.process().equals("init") ? "" : " process=" + e.process())
                + (e.exitCode() != null ? " exitCode=" + e.exitCode() : "");
    }

    static void containers(PrintWriter out, List<ContainerInfo> list, Format format)
            throws Exception {
        if (format == Format.json) {
            var arr = JSON.createArrayNode();
            list.forEach(c -> arr.add(json(c)));
            out.println(JSON.writeValueAsString(arr));
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "STATUS", "PID", "EXIT", "RUNTIME", "CREATED"});
        Instant now = Instant.now();
        for (ContainerInfo c : list) {
            rows.add(
                    new String[] {
                        c.id(),
                        c.status() == null ? "unknown" : c.status().name().toLowerCase(Locale.ROOT),
                        c.pid() > 0 ? Integer.toString(c.pid()) : "-",
                        c.exit() != null
                                ? c.exit().code() + (c.exit().oomKilled() ? " (oom)" : "")
                                : "-",
                        c.runtime(),
                        ago(Duration.between(c.createdAt(), now))
                    });
        }
        table(out, rows);
    }

    static void table(PrintWriter out, List<String[]> rows) {
        int[] w = new int[rows.getFirst().length];
        for (String[] r : rows)
            for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
        // one write for the whole table: println flushes (and so writes) at every line
        StringBuilder b = new StringBuilder();
        String nl = System.lineSeparator();
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                b.append(r[i]);
                if (i < r.length - 1) b.repeat(' ', w[i] - r[i].length() + 3);
            }
            b.append(nl);
        }
        out.print(b);
        out.flush();
    }

    static String ago(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) return s + "s ago";
        if (s < 3600) return s / 60 + "m ago";
        if (s < 86400) return s / 3600 + "h ago";
        return s / 86400 + "d ago";
    }
}
