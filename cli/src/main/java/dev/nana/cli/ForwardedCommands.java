package dev.nana.cli;

import dev.nana.spi.CommandRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The CLI as the daemon's forwarding server runs it for a thin client: each command on a reused
 * tree of its own subcommand ({@link NanaCommand#executeForwarded}), on the client's stdio and the
 * daemon's supervisor.
 */
final class ForwardedCommands implements CommandRunner {
    /**
     * Commands that may run as long as their client likes: the server takes their memory as lasting
     * and caps how many run at once.
     */
    static final Set<String> LASTING =
            Set.of("wait", "events", "attach", "logs", "run", "exec", "stats", "image");

    @Override
    public Kind kindOf(List<String> args) {
        String name = NanaCommand.subcommandOf(args.toArray(String[]::new));
        return new Kind(name, name != null && LASTING.contains(name));
    }

    @Override
    public int run(List<String> args, Call call) {
        return NanaCommand.executeForwarded(Io.forwarded(call), args.toArray(String[]::new));
    }

    @Override
    public void prepare() {
        NanaCommand.prebuildForwardedTree();
    }

    /**
     * Environment values hidden (-e K=V, --env K=V, --env=K=V become K=***), and the container's
     * own command after "--" only counted; either may carry secrets.
     */
    @Override
    public List<String> redacted(List<String> args) {
        List<String> out = new ArrayList<>();
        boolean envValue = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                out.add("-- (" + (args.size() - i - 1) + " args)");
                break;
            }
            if (envValue) out.add(hideValue(a));
            else if (a.startsWith("--env=")) out.add("--env=" + hideValue(a.substring(6)));
            else if (a.startsWith("-e") && a.length() > 2 && !a.startsWith("--"))
                out.add("-e" + hideValue(a.substring(2)));
            else out.add(a);
            envValue = a.equals("-e") || a.equals("--env");
        }
        return out;
    }

    private static String hideValue(String kv) {
        int eq = kv.indexOf('=');
        return eq < 0 ? kv : kv.substring(0, eq + 1) + "***";
    }
}
