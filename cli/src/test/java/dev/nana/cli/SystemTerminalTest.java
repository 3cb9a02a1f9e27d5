package dev.nana.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The JVM CLI's own terminal, bound to libc: it says stdin is a terminal exactly when the kernel's
 * view of fd 0 is one, and one that is not has no size (asking costs no error).
 */
class SystemTerminalTest {
    @Test
    void itKnowsWhetherStdinIsATerminal() throws Exception {
        String fd0 = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
        boolean tty = fd0.startsWith("/dev/pts/") || fd0.startsWith("/dev/tty");
        SystemTerminal t = new SystemTerminal();
        assertEquals(tty, t.isTty(), "fd 0 is " + fd0);
        if (!tty) assertNull(t.size());
    }
}
