package dev.nana;

/** Byte counts for limits, in binary units: {@code Bytes.mib(64)} is 64 MiB. */
public final class Bytes {
    private Bytes() {}

    /** n KiB (1024 bytes each). */
    public static long kib(long n) {
        return Math.multiplyExact(n, 1024L);
    }

    /** n MiB (1024 KiB each). */
    public static long mib(long n) {
        return Math.multiplyExact(n, 1024L * 1024);
    }

    /** n GiB (1024 MiB each). */
    public static long gib(long n) {
        return Math.multiplyExact(n, 1024L * 1024 * 1024);
    }
}
