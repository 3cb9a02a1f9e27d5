package dev.nana.supervisor.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client's stdin FIFO keeps what is written before its reader (the shim) opens it. */
class InputFifoTest {
    @Test
    void bytesWrittenBeforeTheShimOpensTheFifoWaitForIt(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("stdin");
        LibNana.mkfifo(fifo, 0600);
        try (InputFifo client = InputFifo.openClient(fifo)) {
            // no reader yet: a write-only end would fail with EPIPE here and lose the bytes
            client.write("early\n".getBytes(StandardCharsets.UTF_8));
            try (Fd shim = LibNana.fifoOpenReadWrite(fifo); // as the shim opens it, later
                    Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(64);
                int n = LibNana.read(shim, buf, 64);
                byte[] got = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                assertEquals("early\n", new String(got, StandardCharsets.UTF_8));
            }
        }
    }
}
