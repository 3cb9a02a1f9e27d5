package dev.nana.it.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.Container;
import dev.nana.ContainerSpec;
import dev.nana.InvalidArgumentException;
import dev.nana.NotFoundException;
import dev.nana.Supervisor;
import dev.nana.it.Leaks;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.state.StateDir;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Containers run straight from an image of nana's store, no bundle made by hand: {@code nana run
 * --image} in-process and through a daemon (restored after a SIGKILL), and the Java API's {@code
 * ContainerSpec.fromImage}; the image's user, an overlay root filesystem that goes with the
 * container, the image kept while a container runs from it, and bad input.
 */
class RunImageTest {
    @Test
    void theCliRunsAnImageInProcessAndThroughADaemon() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-run-image-");
        try (NanaCli nana = new NanaCli()) {
            OciLayouts.importBusybox(nana, work, "1000");
            // in-process: the image's user (1000), its own hostname, the overlay gone with --rm
            NanaCli.Run once =
                    nana.run(
                            "run",
                            "--rm",
                            "--image",
                            "busybox:1.36",
                            "-e",
                            "FOO=bar",
                            "img-once",
                            "--",
                            "sh",
                            "-c",
                            "id -u; hostname; echo $FOO; cat /etc/passwd | wc -l");
            assertEquals(0, once.exit(), once.err());
            assertEquals("1000\nimg-once\nbar\n2\n", once.out());
            assertEquals(List.of(), Leaks.mounts(nana.stateDir), "the root filesystem went");
            // --network host: the host's network namespace, not the image's own (lo alone)
            String hostNet = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
            NanaCli.Run host =
                    nana.run(
                            "run",
                            "--rm",
                            "--image",
                            "busybox:1.36",
                            "--network",
                            "host",
                            "img-net",
                            "--",
                            "sh",
                            "-c",
                            "readlink /proc/self/ns/net");
            assertEquals(hostNet + "\n", host.out(), host.err());
            NanaCli.Run own =
                    nana.run(
                            "run",
                            "--rm",
                            "--image",
                            "busybox:1.36",
                            "img-net",
                            "--",
                            "sh",
                            "-c",
                            "readlink /proc/self/ns/net");
            assertEquals(0, own.exit(), own.err());
            assertTrue(!own.out().equals(hostNet + "\n"), own.out());
            NanaCli.Run bridge =
                    nana.run("run", "--image", "busybox:1.36", "--network", "bridge", "img-b");
            assertEquals(125, bridge.exit());
            assertTrue(bridge.err().contains("--network bridge"), bridge.err());

            nana.startDaemon();
            NanaCli.Run detached =
                    nana.run(
                            "run",
                            "-d",
                            "--image",
                            "busybox:1.36",
                            "img-d",
                            "--",
                            "sh",
                            "-c",
                            "sleep 1000");
            assertEquals(0, detached.exit(), detached.err());
            assertEquals(1, Leaks.mounts(nana.stateDir).size(), "its overlay");
            NanaCli.Run inUse = nana.run("image", "rm", "busybox:1.36");
            assertEquals(125, inUse.exit());
            assertTrue(inUse.err().contains("in use"), inUse.err());

            // a daemon SIGKILLed: the container and its root filesystem are still there
            nana.killDaemon();
            nana.startDaemon();
            NanaCli.Run exec = nana.run("exec", "img-d", "--", "sh", "-c", "echo exec; id -u");
            assertEquals("exec\n1000\n", exec.out(), exec.err());
            assertEquals(0, nana.run("rm", "-f", "img-d").exit());
            assertEquals(List.of(), Leaks.mounts(nana.stateDir), "unmounted by the answer");
            // a --rm through the daemon: its image is free the moment run returns
            NanaCli.Run removed =
                    nana.run(
                            "run",
                            "--rm",
                            "--image",
                            "busybox:1.36",
                            "img-rm",
                            "--",
                            "sh",
                            "-c",
                            "exit 0");
            assertEquals(0, removed.exit(), removed.err());
            NanaCli.Run imageRm = nana.run("image", "rm", "busybox:1.36");
            assertEquals(0, imageRm.exit(), imageRm.err());

            NanaCli.Run unknown = nana.run("run", "--image", "busybox:9", "x");
            assertEquals(125, unknown.exit());
            assertTrue(
                    unknown.err().contains("busybox:9") && unknown.err().contains("pull"),
                    unknown.err());
            NanaCli.Run both =
                    nana.run("run", "--image", "busybox:1.36", "--bundle", work.toString(), "x");
            assertEquals(125, both.exit());
            assertTrue(both.err().contains("not both"), both.err());
            assertEquals(List.of(), Leaks.settled(() -> Leaks.stateFolders(nana.stateDir)));
        } finally {
            StateDir.deleteTree(work);
        }
    }

    @Test
    void theJavaApiRunsAnImage() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-run-image-");
        try (NanaCli nana = new NanaCli()) {
            OciLayouts.importBusybox(nana, work, "1000");
            try (Supervisor s = Supervisor.builder().stateDir(nana.stateDir).build()) {
                try (Container c =
                        s.launch(
                                ContainerSpec.fromImage("api-img", "busybox:1.36")
                                        .args("sh", "-c", "echo from the api; exit 7")
                                        .build())) {
                    String out = new String(c.output().readAllBytes(), StandardCharsets.UTF_8);
                    assertEquals("from the api\n", out);
                    assertEquals(7, c.waitFor().code());
                }
                assertThrows(
                        NotFoundException.class,
                        () -> s.launch(ContainerSpec.fromImage("api-none", "nosuch:1").build()));
            }
            assertThrows(
                    InvalidArgumentException.class,
                    () -> ContainerSpec.fromImage("blank", " ").build());
            assertEquals(List.of(), Leaks.mounts(nana.stateDir));
            assertEquals(List.of(), Leaks.settled(() -> Leaks.stateFolders(nana.stateDir)));
        } finally {
            StateDir.deleteTree(work);
        }
    }
}
