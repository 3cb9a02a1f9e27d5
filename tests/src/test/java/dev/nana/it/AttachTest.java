package dev.nana.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** nana attach: a running container's output reaches a new client, whatever restarted meanwhile. */
class AttachTest {
    private static final String COUNTER = "i=0; while [ $i -lt 40 ]; do echo line$i; i=$((i+1)); sleep 0.1; done; exit 4";

    @Test
    void attachAfterTheCliThatStartedItIsGone() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            assertEquals(0, nana.run("run", "-d", "cnt", "--", "sh", "-c", COUNTER).exit());
            NanaCli.Run a = nana.run("attach", "cnt");
            assertEquals(4, a.exit(), a.err());
            assertTrue(a.out().contains("line39\n"), a.out());
            NanaCli.Run again = nana.run("attach", "cnt");
            assertEquals(125, again.exit());
            assertTrue(again.err().contains("cannot attach to \"cnt\": it is not running"), again.err());
            assertEquals(125, nana.run("attach", "ghost").exit());
            assertEquals(0, nana.run("rm", "cnt").exit());
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
