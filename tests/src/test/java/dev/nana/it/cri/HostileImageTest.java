package dev.nana.it.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.it.Baseline;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.state.StateDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An image's files are read as its container would see them, and nothing else: its /etc/passwd
 * resolved inside its root (a symlink to the host's /etc/shadow finds the image's, a symlink to
 * /dev/zero the image's), a regular file only (a FIFO is refused before anything blocks), and
 * bounded. Each such image is refused with the reason, fast, and the daemon serves on.
 */
@Tag("fault")
class HostileImageTest {
    @Test
    void anImagesPasswdIsReadInsideItsRootOnlyAndAHostileOneIsRefusedFast() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-hostile-image-");
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            // warm: the start pool's threads and an image's run are there before the baseline
            OciLayouts.importBusybox(nana, work, "app");
            for (int i = 0; i < 12; i++)
                assertEquals(
                        0,
                        nana.run(
                                        "run",
                                        "-d",
                                        "--image",
                                        "busybox:1.36",
                                        "warm" + i,
                                        "--",
                                        "busybox",
                                        "sleep",
                                        "100")
                                .exit());
            for (int i = 0; i < 12; i++) assertEquals(0, nana.run("rm", "-f", "warm" + i).exit());
            Baseline baseline = Baseline.of(nana);
            // the host's /etc/shadow, were it followed outside the image: its root line would
            // make the container's uid the day of root's last password change
            image(nana, work, "shadow", "root", out -> symlink(out, "etc/passwd", "/etc/shadow"));
            image(nana, work, "zero", "app", out -> symlink(out, "etc/passwd", "/dev/zero"));
            image(nana, work, "fifo", "app", out -> fifo(out, "etc/passwd"));
            image(
                    nana,
                    work,
                    "big",
                    "app",
                    out -> OciLayouts.text(out, "etc/passwd", "#".repeat(3 << 20) + "\n"));

            for (String[] c :
                    List.of(new String[] {"shadow", "root"}, new String[] {"zero", "app"})) {
                NanaCli.Run r = runAsApp(nana, c[0], c[0]);
                assertEquals(125, r.exit(), c[0] + ": " + r.out() + r.err());
                assertTrue(
                        r.err().contains("\"" + c[1] + "\" is not in its image's /etc/passwd"),
                        c[0] + ": resolved inside the image, which has no such file: " + r.err());
            }
            NanaCli.Run big = runAsApp(nana, "big", "big");
            assertEquals(125, big.exit(), big.err());
            assertTrue(big.err().contains("larger than 1 MiB"), big.err());

            // ten at once at a FIFO: each refused, none holding a start slot
            ExecutorService pool = Executors.newFixedThreadPool(12);
            List<Future<NanaCli.Run>> runs = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String id = "fifo" + i;
                runs.add(pool.submit((Callable<NanaCli.Run>) () -> runAsApp(nana, "fifo", id)));
            }
            for (Future<NanaCli.Run> f : runs) {
                NanaCli.Run r = f.get(60, TimeUnit.SECONDS);
                assertEquals(125, r.exit(), r.err());
                assertTrue(r.err().contains("/etc/passwd is not a regular file"), r.err());
            }
            pool.shutdown();
            // and the daemon serves on: a good image runs
            NanaCli.Run ok =
                    nana.run(
                            "run",
                            "--rm",
                            "--image",
                            "busybox:1.36",
                            "fine",
                            "--",
                            "busybox",
                            "id",
                            "-u");
            assertEquals(0, ok.exit(), ok.err());
            assertEquals("1000", ok.out().strip());
            baseline.stillServes(
                    nana, "images whose /etc/passwd is a FIFO, /dev/zero, the host's shadow");
        } finally {
            StateDir.deleteTree(work);
        }
    }

    private static NanaCli.Run runAsApp(NanaCli nana, String image, String id) throws Exception {
        return nana.run("run", "--rm", "--image", image + ":1", id, "--", "true");
    }

    private static void image(
            NanaCli nana, Path work, String name, String user, OciLayouts.EtcWriter etc)
            throws Exception {
        Path dir = work.resolve(name);
        OciLayouts.layout(dir, OciLayouts.busyboxLayer(etc), user, "1");
        NanaCli.Run imported = nana.run("image", "import", dir.toString(), name);
        assertEquals(0, imported.exit(), imported.err());
    }

    private static void symlink(
            org.apache.commons.compress.archivers.tar.TarArchiveOutputStream out,
            String name,
            String target)
            throws Exception {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(target);
        out.putArchiveEntry(e);
        out.closeArchiveEntry();
    }

    private static void fifo(
            org.apache.commons.compress.archivers.tar.TarArchiveOutputStream out, String name)
            throws Exception {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_FIFO);
        e.setMode(0644);
        out.putArchiveEntry(e);
        out.closeArchiveEntry();
    }
}
