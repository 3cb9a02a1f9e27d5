package dev.nana.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the tests ask of the host's processes: shims, and whether a pid lives. */
public final class Procs {
    private Procs() {}

    /**
     * Pids of nana-shim processes whose cwd is below dir; not counting a shim's own child in the
     * moment between its fork and its exec of the runtime.
     */
    public static List<Long> shimsUnder(Path dir) {
        return ProcessHandle.allProcesses()
                .filter(Procs::isShim)
                .filter(p -> p.parent().map(parent -> !isShim(parent)).orElse(true))
                .filter(
                        p -> {
                            try {
                                return Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/cwd"))
                                        .startsWith(dir);
                            } catch (IOException e) {
                                return false;
                            }
                        })
                .map(ProcessHandle::pid)
                .toList();
    }

    /**
     * The shims under dir once their number holds still for 200 ms (at most 5 s): a shim spawned
     * just before its supervisor was killed is not one yet until it has exec'd and changed folder.
     */
    public static List<Long> settledShimsUnder(Path dir) throws InterruptedException {
        List<Long> last = shimsUnder(dir);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            Thread.sleep(200);
            List<Long> now = shimsUnder(dir);
            if (now.size() == last.size()) return now;
            last = now;
        }
        return last;
    }

    public static boolean isShim(ProcessHandle p) {
        return p.info().command().map(c -> c.endsWith("nana-shim")).orElse(false);
    }

    public static boolean alive(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
