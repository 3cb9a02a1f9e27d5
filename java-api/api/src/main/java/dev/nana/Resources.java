package dev.nana;

import java.util.ArrayList;
import java.util.List;

/**
 * Resource limits to change on a running container (nana update); null leaves a limit as it is.
 *
 * @param memoryLimitBytes memory limit
 * @param memoryReservationBytes memory soft limit
 * @param cpuShares relative CPU weight (2 to 262144)
 * @param cpuQuotaMicros CFS quota per period; -1 for none
 * @param cpuPeriodMicros CFS period (1000 to 1000000)
 * @param cpusetCpus CPUs it may run on, such as "0" or "0-1"
 * @param pidsLimit how many processes it may have; -1 for no limit
 */
public record Resources(
        Long memoryLimitBytes,
        Long memoryReservationBytes,
        Long cpuShares,
        Long cpuQuotaMicros,
        Long cpuPeriodMicros,
        String cpusetCpus,
        Long pidsLimit) {

    /**
     * Checks the limits.
     *
     * @throws InvalidArgumentException naming the first limit out of range
     */
    public Resources {
        positive("memory limit", memoryLimitBytes);
        positive("memory reservation", memoryReservationBytes);
        if (cpuShares != null && (cpuShares < 2 || cpuShares > 262144)) {
            throw new InvalidArgumentException(
                    "cpu shares " + cpuShares + " must be from 2 to 262144");
        }
        if (cpuQuotaMicros != null && cpuQuotaMicros != -1 && cpuQuotaMicros < 1000) {
            throw new InvalidArgumentException(
                    "cpu quota " + cpuQuotaMicros + " must be at least 1000 µs, or -1 for none");
        }
        if (cpuPeriodMicros != null && (cpuPeriodMicros < 1000 || cpuPeriodMicros > 1_000_000)) {
            throw new InvalidArgumentException(
                    "cpu period " + cpuPeriodMicros + " must be from 1000 to 1000000 µs");
        }
        if (cpusetCpus != null && !cpusetCpus.matches("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*")) {
            throw new InvalidArgumentException(
                    "cpuset \"" + cpusetCpus + "\" is not a CPU list such as 0 or 0-1 or 0,2");
        }
        if (pidsLimit != null && pidsLimit != -1 && pidsLimit < 1) {
            throw new InvalidArgumentException(
                    "pids limit " + pidsLimit + " must be at least 1, or -1 for no limit");
        }
    }

    private static void positive(String what, Long v) {
        if (v != null && v <= 0)
            throw new InvalidArgumentException(
                    what + " " + v + " must be a positive number of bytes");
    }

    /**
     * A builder: {@code Resources.builder().memoryLimit(Bytes.mib(64)).pidsLimit(100).build()}.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Whether it changes nothing.
     *
     * @return true when every limit is null
     */
    public boolean isEmpty() {
        return memoryLimitBytes == null
                && memoryReservationBytes == null
                && cpuShares == null
                && cpuQuotaMicros == null
                && cpuPeriodMicros == null
                && cpusetCpus == null
                && pidsLimit == null;
    }

    /**
     * The runtime's update flags (runc and crun take the same).
     *
     * @return such as --memory=67108864
     */
    public List<String> runtimeFlags() {
        List<String> f = new ArrayList<>();
        if (memoryLimitBytes != null) f.add("--memory=" + memoryLimitBytes);
        if (memoryReservationBytes != null) f.add("--memory-reservation=" + memoryReservationBytes);
        if (cpuShares != null) f.add("--cpu-share=" + cpuShares);
        if (cpuPeriodMicros != null) f.add("--cpu-period=" + cpuPeriodMicros);
        if (cpuQuotaMicros != null) f.add("--cpu-quota=" + cpuQuotaMicros);
        if (cpusetCpus != null) f.add("--cpuset-cpus=" + cpusetCpus);
        if (pidsLimit != null) f.add("--pids-limit=" + pidsLimit);
        return f;
    }

    /** Builds {@link Resources}; what is not set stays as it is. Checked when built. */
    public static final class Builder {
        private Long memoryLimitBytes;
        private Long memoryReservationBytes;
        private Long cpuShares;
        private Long cpuQuotaMicros;
        private Long cpuPeriodMicros;
        private String cpusetCpus;
        private Long pidsLimit;

        private Builder() {}

        /**
         * Memory limit in bytes.
         *
         * @param bytes a number of bytes (Bytes.mib(64) is 64 MiB)
         * @return this builder
         */
        public Builder memoryLimit(long bytes) {
            this.memoryLimitBytes = bytes;
            return this;
        }

        /**
         * Memory soft limit in bytes.
         *
         * @param bytes a number of bytes (Bytes.mib(64) is 64 MiB)
         * @return this builder
         */
        public Builder memoryReservation(long bytes) {
            this.memoryReservationBytes = bytes;
            return this;
        }

        /**
         * Relative CPU weight, 2 to 262144.
         *
         * @param shares relative weight, 2 to 262144
         * @return this builder
         */
        public Builder cpuShares(long shares) {
            this.cpuShares = shares;
            return this;
        }

        /**
         * CFS quota per period of the given length: {@code cpuQuota(50_000, 100_000)} is half a
         * CPU.
         *
         * @param quotaMicros CPU time per period, in µs, or -1 for none
         * @param periodMicros the period, 1000 to 1000000 µs
         * @return this builder
         */
        public Builder cpuQuota(long quotaMicros, long periodMicros) {
            this.cpuQuotaMicros = quotaMicros;
            this.cpuPeriodMicros = periodMicros;
            return this;
        }

        /**
         * CPUs it may run on, such as "0" or "0-1".
         *
         * @param cpus such as "0", "0-1" or "0,2"
         * @return this builder
         */
        public Builder cpusetCpus(String cpus) {
            this.cpusetCpus = cpus;
            return this;
        }

        /**
         * How many processes it may have; -1 for no limit.
         *
         * @param n how many
         * @return this builder
         */
        public Builder pidsLimit(long n) {
            this.pidsLimit = n;
            return this;
        }

        /**
         * The limits, checked.
         *
         * @return the limits
         */
        public Resources build() {
            return new Resources(
                    memoryLimitBytes,
                    memoryReservationBytes,
                    cpuShares,
                    cpuQuotaMicros,
                    cpuPeriodMicros,
                    cpusetCpus,
                    pidsLimit);
        }
    }
}
