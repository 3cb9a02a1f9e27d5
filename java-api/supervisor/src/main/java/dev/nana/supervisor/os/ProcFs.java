package dev.nana.supervisor.os;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading /proc files as the kernel serves them. */
public final class ProcFs {
    private ProcFs() {}

    /**
     * The text of a small /proc file, read from offset 0 with one large read. Files.readString does
     * not do: a /proc file's size is 0, so it reads one byte first, and a sysctl (/proc/sys/...)
     * answers a read past offset 0 with end-of-file: "40" would be read as "4".
     */
    public static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
