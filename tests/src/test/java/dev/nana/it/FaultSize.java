package dev.nana.it;

/**
 * How hard the fault tests push: {@code -Dnana.fault.size=ci} (the default, what CI runs within its
 * time limit) or {@code full} (scripts/fault-test --full). Each figure can also be set alone, e.g.
 * {@code -Dnana.fault.rounds=200}.
 */
public final class FaultSize {
    public static final boolean FULL = "full".equals(System.getProperty("nana.fault.size", "ci"));

    private FaultSize() {}

    /** The figure named: its own property, else the full or the CI size. */
    public static int of(String name, int ci, int full) {
        return Integer.getInteger("nana.fault." + name, FULL ? full : ci);
    }

    /** The seed of a randomised test: -Dnana.fault.seed, else a new one (printed, to rerun it). */
    public static long seed(String test) {
        long seed = Long.getLong("nana.fault.seed", System.nanoTime());
        System.out.println(
                test + ": seed " + seed + " (rerun with -Dnana.fault.seed=" + seed + ")");
        return seed;
    }
}
