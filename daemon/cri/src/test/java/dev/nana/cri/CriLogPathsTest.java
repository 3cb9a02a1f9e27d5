package dev.nana.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.InvalidArgumentException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A CRI log path stays beneath its pod's log directory, whatever the request says. */
class CriLogPathsTest {
    @Test
    void aLogPathIsBeneathItsPodsFolderOrRefused() {
        assertEquals(
                "/var/log/pods/ns_p_1/web/0.log",
                CriLogPaths.resolve("/var/log/pods/ns_p_1", "web/0.log", "web"));
        assertEquals("", CriLogPaths.resolve("", "/etc/passwd", "web"), "no folder: no log");
        assertEquals("", CriLogPaths.resolve("/var/log/pods/x", "", "web"));
        for (String bad : new String[] {"../x", "web/../../x", "/etc/passwd", "..", "a/.."}) {
            InvalidArgumentException e =
                    assertThrows(
                            InvalidArgumentException.class,
                            () -> CriLogPaths.resolve("/var/log/pods/ns_p_1", bad, "web"),
                            bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
        assertThrows(
                InvalidArgumentException.class,
                () -> CriLogPaths.resolve("relative/pods", "web/0.log", "web"));
    }

    @Test
    void aSymlinkOnTheWayIsRefusedAndTheFoldersAreMade(@TempDir Path pods) throws Exception {
        Path file = CriLogPaths.prepare(pods.toString(), pods.resolve("web/0.log").toString());
        assertTrue(Files.isDirectory(pods.resolve("web")));
        assertEquals(pods.resolve("web/0.log"), file);
        Files.createSymbolicLink(pods.resolve("evil"), Path.of("/etc"));
        InvalidArgumentException e =
                assertThrows(
                        InvalidArgumentException.class,
                        () ->
                                CriLogPaths.prepare(
                                        pods.toString(), pods.resolve("evil/0.log").toString()));
        assertTrue(e.getMessage().contains("symlink"), e.getMessage());
    }
}
