package dev.nana.it.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nana.supervisor.runtime.CgroupLayout;
import org.junit.jupiter.api.Test;

/** The shim contract with crun, including its hybrid-cgroup workaround where the host needs it. */
class CrunShimTest extends ShimContract {
    @Override
    String runtime() {
        return "crun";
    }

    @Test
    void hybridCgroupWorkaroundIsAppliedExactlyWhereNeeded() {
        assertEquals(CgroupLayout.detect() == CgroupLayout.HYBRID, fx.runtime.unshareCgroup2());
    }
}
