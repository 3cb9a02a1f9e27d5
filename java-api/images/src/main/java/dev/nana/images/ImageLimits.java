package dev.nana.images;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nana.InvalidArgumentException;
import dev.nana.supervisor.HeapBudget;
import dev.nana.supervisor.state.StateFiles;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * What an image may make nana read, hold or write, checked before or while it is read: an image is
 * untrusted input. docs/SECURITY.md lists these with the daemon's other bounds. The caps on a
 * layer's unpacked size are system properties, for a node whose images are larger.
 */
public final class ImageLimits {
    /**
     * An index.json, manifest, index or config, read whole into memory: at most 1 MiB (the largest
     * real ones are tens of KiB: a manifest of 100 layers is ~25 KiB). Parsed, a document takes
     * ~3.3 times its size in the heap (a 4 MiB index of 19,000 entries made a 13.8 MiB tree).
     */
    public static final int MAX_METADATA_BYTES = 1 << 20;

    /**
     * What parsing a document takes from the heap budget, per byte of it (the tree, measured at
     * 3.3, and the parser's buffers).
     */
    static final int TREE_BYTES_PER_BYTE = 4;

    /** Entries of a docker save archive, at most (an image has a few per layer). */
    public static final int MAX_ARCHIVE_ENTRIES = 100_000;

    /**
     * A layer unpacks to at most this many times its compressed size ({@code
     * nana.image.maxUnpackRatio})...
     */
    public static final long MAX_UNPACK_RATIO = Long.getLong("nana.image.maxUnpackRatio", 100);

    /** ... and this much whatever its ratio ({@code nana.image.minUnpackAllowance}) ... */
    public static final long MIN_UNPACK_ALLOWANCE =
            Long.getLong("nana.image.minUnpackAllowance", 256L << 20);

    /** ... and never more than this ({@code nana.image.maxLayerBytes}). */
    public static final long MAX_LAYER_BYTES = Long.getLong("nana.image.maxLayerBytes", 16L << 30);

    private ImageLimits() {}

    /** The most a layer of compressed bytes may unpack to (its tar stream, headers and all). */
    public static long maxUnpacked(long compressed) {
        long byRatio =
                compressed > Long.MAX_VALUE / MAX_UNPACK_RATIO
                        ? Long.MAX_VALUE
                        : compressed * MAX_UNPACK_RATIO;
        return Math.min(MAX_LAYER_BYTES, Math.max(MIN_UNPACK_ALLOWANCE, byRatio));
    }

    /** Refuses a piece of metadata over {@link #MAX_METADATA_BYTES}, naming it. */
    public static void requireMetadataSize(String what, long size) {
        if (size > MAX_METADATA_BYTES || size < 0) {
            throw new InvalidArgumentException(
                    what
                            + " is "
                            + size
                            + " bytes: nana reads at most "
                            + (MAX_METADATA_BYTES >> 20)
                            + " MiB of an image's metadata; the image is malformed or hostile");
        }
    }

    /** What reads a parsed document and keeps only what it needs. */
    @FunctionalInterface
    public interface Reading<T> {
        /**
         * What is needed of the document.
         *
         * @param tree the parsed document, let go once this returns
         * @return what is kept of it, small
         * @throws IOException when what reading it does fails
         */
        T from(JsonNode tree) throws IOException;
    }

    /**
     * Parses one of an image's JSON documents (index.json, a manifest, an index, a config, a docker
     * archive's manifest.json) of at most {@link #MAX_METADATA_BYTES}, holding the tree's share of
     * the heap budget while reading takes what it needs: the tree is let go after, so that
     * concurrent imports, pulls and creates never hold more trees than the budget allows.
     *
     * @param bytes the document
     * @param what the document, as errors name it
     * @param reading what is kept of it
     * @return what reading returned
     * @throws IOException when the document is no JSON, or reading fails
     */
    public static <T> T parse(byte[] bytes, String what, Reading<T> reading) throws IOException {
        requireMetadataSize(what, bytes.length);
        try (HeapBudget.Share _ =
                HeapBudget.PROCESS.take(
                        (long) TREE_BYTES_PER_BYTE * bytes.length + (64 << 10),
                        "parsing " + what)) {
            return reading.from(StateFiles.JSON.readTree(bytes));
        }
    }

    /** in, ending with an error once more than max bytes were read from it. */
    public static InputStream bounded(InputStream in, long max, String what) {
        return new FilterInputStream(in) {
            private long read;

            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) count(1);
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) count(n);
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                long s = super.skip(n);
                if (s > 0) count(s);
                return s;
            }

            private void count(long n) {
                read += n;
                if (read > max) {
                    throw new InvalidArgumentException(
                            what
                                    + " is more than "
                                    + max
                                    + " bytes: nana reads no more of it (the image is malformed"
                                    + " or hostile, or set a larger cap: docs/SECURITY.md)");
                }
            }
        };
    }

    /**
     * out, failing a write that would take it past max bytes: a blob that streams more than its
     * descriptor says is cut as it arrives.
     */
    public static OutputStream bounded(OutputStream out, long max, String what) {
        return new FilterOutputStream(out) {
            private long written;

            @Override
            public void write(int b) throws IOException {
                count(1);
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                count(len);
                out.write(b, off, len);
            }

            private void count(long n) {
                written += n;
                if (written > max) {
                    throw new InvalidArgumentException(
                            what
                                    + " sends more than the "
                                    + max
                                    + " bytes its descriptor gives: it is cut (the image is corrupt"
                                    + " or the registry hostile)");
                }
            }
        };
    }

    /** Reads in whole, refusing more than {@link #MAX_METADATA_BYTES}. */
    public static byte[] readMetadata(InputStream in, String what) throws IOException {
        byte[] bytes = in.readNBytes(MAX_METADATA_BYTES + 1);
        requireMetadataSize(what, bytes.length);
        return bytes;
    }
}
