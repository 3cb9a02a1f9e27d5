package dev.nana.it.supervisor;

/** The supervisor with crun (and its hybrid-cgroup workaround on this kind of host). */
class CrunSupervisorTest extends SupervisorContract {
    @Override
    String runtime() {
        return "crun";
    }
}
