package dev.nana.supervisor.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Reads and writes nana's JSON state files; every write is atomic (temporary file, fsync, rename).
 */
public final class StateFiles {
    public static final ObjectMapper JSON =
            new ObjectMapper()
                    .registerModule(new JavaTimeModule())
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * State files are root's alone (a config holds the container's environment), whatever the
     * umask.
     */
    public static final FileAttribute<?> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private StateFiles() {}

    public static void write(Path file, Object value) throws IOException {
        writeBytes(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value));
    }

    public static void writeBytes(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch =
                FileChannel.open(
                        tmp,
                        Set.of(
                                StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE,
                                StandardOpenOption.TRUNCATE_EXISTING,
                                LinkOption.NOFOLLOW_LINKS),
                        OWNER_ONLY)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Reads a state file; a symlink planted in its place is refused, never followed. */
    public static <T> T read(Path file, Class<T> type) throws IOException {
        if (Files.isSymbolicLink(file))
            throw new IOException(file + " is a symbolic link, not nana's state file");
        long size = Files.size(file);
        if (size > dev.nana.Limits.MAX_STATE_FILE_BYTES) {
            throw new IOException(
                    file
                            + " is "
                            + size
                            + " bytes: a state file is at most "
                            + dev.nana.Limits.MAX_STATE_FILE_BYTES);
        }
        try {
            return JSON.readValue(file.toFile(), type);
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is " + JsonErrors.describe(e), e);
        }
    }
}
