package dev.nana.it.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.it.Leaks;
import dev.nana.it.NanaCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The state directory's file system full (a 4 MiB tmpfs): a new container is refused with an error
 * that says so and leaves nothing; the container already running keeps running, is listed, and can
 * be killed and deleted; once space is freed everything works again.
 */
@Tag("fault")
class DiskFullTest {
    @Test
    void aFullStateDirectoryRefusesNewContainersAndHarmsNoRunningOne() throws Exception {
        try (NanaCli nana = new NanaCli()) {
            assertEquals(
                    0,
                    new ProcessBuilder(
                                    "mount",
                                    "-t",
                                    "tmpfs",
                                    "-o",
                                    "size=4m,mode=0700",
                                    "nana-full",
                                    nana.stateDir.toString())
                            .inheritIO()
                            .start()
                            .waitFor(),
                    "mount a small tmpfs");
            try {
                nana.startDaemon();
                assertEquals(0, nana.run("run", "-d", "before", "--", "sleep", "1000").exit());
                Path filler = nana.stateDir.resolve("filler");
                try (var out = Files.newOutputStream(filler)) {
                    byte[] block = new byte[64 << 10];
                    while (true) out.write(block);
                } catch (IOException full) {
                    assertTrue(full.getMessage().contains("No space left"), full.toString());
                }
                NanaCli.Run refused = nana.run("run", "-d", "after", "--", "sleep", "1000");
                assertEquals(125, refused.exit(), refused.out() + refused.err());
                assertTrue(refused.err().contains("No space left on device"), refused.err());
                assertTrue(
                        !Files.exists(nana.stateDir.resolve("after")),
                        "no folder for the refused container");
                assertEquals(
                        "running", nana.status("before"), "the running container is not harmed");
                assertTrue(nana.run("ps").out().contains("before"));

                Files.delete(filler);
                assertEquals(
                        0,
                        nana.run("run", "-d", "after", "--", "sleep", "1000").exit(),
                        "works again once there is room");
                for (String id : List.of("before", "after")) {
                    assertEquals(0, nana.run("kill", id, "KILL").exit());
                    assertEquals(137, nana.run("wait", id).exit());
                    assertEquals(0, nana.run("rm", id).exit());
                }
                assertEquals(List.of(), Leaks.settled(() -> Leaks.stateFolders(nana.stateDir)));
            } finally {
                nana.killDaemonIfRunning();
                new ProcessBuilder("umount", "-l", nana.stateDir.toString())
                        .inheritIO()
                        .start()
                        .waitFor();
            }
        }
    }
}
