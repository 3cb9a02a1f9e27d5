package dev.nana.images;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nana.InvalidArgumentException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * An image of a {@code docker save} archive (also what {@code skopeo copy ... docker-archive:FILE}
 * writes): manifest.json names the config and the layer tars of each image in the archive. Read in
 * place (the tar is random access): nothing is extracted but the layers the store unpacks, each
 * copied to the store's scratch file first. Layers that several images share are symlinks in the
 * archive, followed inside it.
 */
final class DockerArchive implements ImageStore.Blobs, AutoCloseable {
    private final Path file;
    private final TarFile tar;
    private final Map<String, TarArchiveEntry> entries = new HashMap<>();
    private final Map<String, TarArchiveEntry> byDigest = new HashMap<>();

    /** What the archive's manifest.json says of the image taken. */
    record Image(
            List<String> repoTags,
            ImageStore.Descriptor config,
            List<ImageStore.Descriptor> layers) {}

    DockerArchive(Path file) throws IOException {
        this.file = file;
        requireFewEntries(file);
        try {
            this.tar = new TarFile(file);
        } catch (IOException e) {
            throw notATar(file, e);
        }
        for (TarArchiveEntry e : tar.getEntries()) entries.put(normal(e.getName()), e);
    }

    private static String normal(String name) {
        String n = name;
        while (n.startsWith("./")) n = n.substring(2);
        return n;
    }

    /** The image named (a tag of manifest.json), or its first when name is null. */
    Image image(String name) throws IOException {
        JsonNode chosen =
                ImageLimits.parse(
                        bytes("manifest.json"),
                        "\"" + file + "\"'s manifest.json",
                        manifest -> {
                            if (!manifest.isArray() || manifest.isEmpty())
                                throw new InvalidArgumentException(
                                        "\""
                                                + file
                                                + "\" has no manifest.json listing an image: it is"
                                                + " no docker save archive");
                            if (name == null) return manifest.get(0);
                            String wanted = ImageReference.parse(name).toString();
                            JsonNode found = manifest.get(0);
                            for (JsonNode m : manifest)
                                for (JsonNode tag : m.path("RepoTags"))
                                    if (ImageReference.parse(tag.asText())
                                            .toString()
                                            .equals(wanted)) found = m;
                            return found; // alone: the rest of the tree is let go
                        });
        List<String> tags = new ArrayList<>();
        chosen.path("RepoTags").forEach(t -> tags.add(t.asText()));
        ImageStore.Descriptor config = descriptor(chosen.path("Config").asText());
        List<ImageStore.Descriptor> layers = new ArrayList<>();
        for (JsonNode l : chosen.path("Layers")) layers.add(descriptor(l.asText()));
        return new Image(tags, config, layers);
    }

    /** An entry's digest and size, remembered so the store can ask for it by digest. */
    private ImageStore.Descriptor descriptor(String name) throws IOException {
        TarArchiveEntry e = entry(name);
        MessageDigest sha = Sha256.newDigest();
        try (InputStream in = new DigestInputStream(tar.getInputStream(e), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        String digest = "sha256:" + HexFormat.of().formatHex(sha.digest());
        byDigest.put(digest, e);
        return new ImageStore.Descriptor(digest, e.getSize());
    }

    /** The entry of a name, symlinks followed inside the archive. */
    private TarArchiveEntry entry(String name) {
        String n = normal(name);
        for (int hops = 0; hops < 16; hops++) {
            TarArchiveEntry e = entries.get(n);
            if (e == null)
                throw new InvalidArgumentException(
                        "\""
                                + file
                                + "\" lacks "
                                + n
                                + ", which its manifest.json names: the archive is incomplete");
            if (!e.isSymbolicLink()) return e;
            Path target = Path.of(n).resolveSibling(e.getLinkName()).normalize();
            n = target.toString();
        }
        throw new InvalidArgumentException(
                "\"" + file + "\" has a loop of symlinks at " + name + ": the archive is corrupt");
    }

    private byte[] bytes(String name) throws IOException {
        try (InputStream in = tar.getInputStream(entry(name))) {
            return ImageLimits.readMetadata(in, "\"" + file + "\"'s " + name);
        }
    }

    @Override
    public byte[] read(ImageStore.Descriptor d) throws IOException {
        try (InputStream in = tar.getInputStream(byDigest.get(d.digest()))) {
            return ImageLimits.readMetadata(in, "\"" + file + "\"'s blob " + d.digest());
        }
    }

    private static InvalidArgumentException notATar(Path file, IOException e) {
        return new InvalidArgumentException(
                "\""
                        + file
                        + "\" is not a tar archive ("
                        + e.getMessage()
                        + "): give a docker save archive or an OCI layout folder");
    }

    /**
     * Counts the archive's entries, streaming (the random-access reader holds them all in memory),
     * and refuses more than {@link ImageLimits#MAX_ARCHIVE_ENTRIES}.
     */
    private static void requireFewEntries(Path file) throws IOException {
        int n = 0;
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(file))) {
            while (in.getNextEntry() != null) {
                if (++n > ImageLimits.MAX_ARCHIVE_ENTRIES) {
                    throw new InvalidArgumentException(
                            "\""
                                    + file
                                    + "\" has more than "
                                    + ImageLimits.MAX_ARCHIVE_ENTRIES
                                    + " entries: no docker save archive has so many; it is"
                                    + " malformed or hostile");
                }
            }
        } catch (IOException e) {
            throw notATar(file, e);
        }
    }

    @Override
    public Path file(ImageStore.Descriptor d, Path scratch) throws IOException {
        try (InputStream in = tar.getInputStream(byDigest.get(d.digest()))) {
            Files.copy(in, scratch);
        }
        return scratch;
    }

    @Override
    public String toString() {
        return "\"" + file + "\"";
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
