package dev.nana;

/** Byte counts for limits, in binary units: {@code Bytes.mib(64)} is 64 MiB. */
public final class Bytes {
    private Bytes() {}

    /**
     * n KiB (1024 bytes each).
     *
     * @param n how many
     * @return n × 1024
     */
    public static long kib(long n) {
        return Math.multiplyExact(n, 1024L);
    }

    /**
     * n MiB (1024 KiB each).
     *
     * @param n how many
     * @return n × 1024²
     */
    public static long mib(long n) {
        return Math.multiplyExact(n, 1024L * 1024);
    }

    /**
     * n GiB (1024 MiB each).
     *
     * @param n how many
     * @return n × 1024³
     */
    public static long gib(long n) {
        return Math.multiplyExact(n, 1024L * 1024 * 1024);
    }
}
