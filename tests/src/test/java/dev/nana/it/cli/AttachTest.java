package dev.nana.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.it.NanaCli;
import java.util.List;
import org.junit.jupiter.api.Test;

/** nana attach: a running container's output reaches a new client, whatever restarted meanwhile. */
class AttachTest {
    private static final String COUNTER =
            "i=0; while [ $i -lt 40 ]; do echo line$i; i=$((i+1)); sleep 0.1; done; exit 4";

    @Test
    void attachAfterTheCliThatStartedItIsGone() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            assertEquals(0, nana.run("run", "-d", "cnt", "--", "sh", "-c", COUNTER).exit());
            NanaCli.Run a = nana.run("attach", "cnt");
            assertEquals(4, a.exit(), a.err());
            assertTrue(a.out().contains("line39\n"), a.out());
            NanaCli.Run again = nana.run("attach", "cnt");
            assertEquals(125, again.exit());
            assertTrue(
                    again.err().contains("cannot attach to \"cnt\": it is not running"),
                    again.err());
            assertEquals(125, nana.run("attach", "ghost").exit());
            assertEquals(0, nana.run("rm", "cnt").exit());
        }
    }

    /**
     * attach and logs -f end when the reader of their output goes ({@code | head}): with one line
     * and the shell's broken-pipe code, not streaming on to nobody until the container exits (it
     * ticks for 100 s here).
     */
    @Test
    void attachAndLogsFollowEndWhenTheirReaderGoes() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            assertEquals(
                    0,
                    nana.run(
                                    "run",
                                    "-d",
                                    "tick",
                                    "--",
                                    "sh",
                                    "-c",
                                    "i=0; while [ $i -lt 2000 ]; do echo tick$i; i=$((i+1)); sleep 0.05; done")
                            .exit());
            for (String cmd : new String[] {"attach tick", "logs -f tick"}) {
                long t0 = System.nanoTime();
                NanaCli.Run r =
                        nana.exec(
                                List.of(
                                        "bash",
                                        "-c",
                                        NanaCli.bin()
                                                + " "
                                                + cmd
                                                + " 2>/tmp/nana-gone.err | head -1 >/dev/null; echo ${PIPESTATUS[0]}; cat /tmp/nana-gone.err"),
                                null);
                long s = (System.nanoTime() - t0) / 1_000_000_000;
                String[] lines = r.out().strip().split("\n", -1);
                assertEquals("141", lines[0], cmd + ": " + r.out() + r.err());
                assertEquals(2, lines.length, cmd + ": one line on stderr: " + r.out());
                assertTrue(lines[1].contains("the reader of its output went away"), lines[1]);
                assertTrue(s < 20, cmd + " ended " + s + " s after its reader");
            }
            assertEquals(0, nana.run("rm", "-f", "tick").exit());
        }
    }

    @Test
    void attachAfterTheDaemonWasKilledAndRestarted() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            assertEquals(0, nana.run("run", "-d", "cnt", "--", "sh", "-c", COUNTER).exit());
            nana.killDaemon();
            nana.startDaemon();
            NanaCli.Run a = nana.run("attach", "cnt"); // the thin client, through the new daemon
            assertEquals(4, a.exit(), a.err());
            assertTrue(a.out().contains("line39\n"), a.out());
            assertEquals(0, nana.run("rm", "cnt").exit());
        }
    }
}
