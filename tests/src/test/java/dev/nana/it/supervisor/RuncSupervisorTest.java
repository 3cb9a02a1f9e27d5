package dev.nana.it.supervisor;

/** The supervisor with runc. */
class RuncSupervisorTest extends SupervisorContract {
    @Override
    String runtime() {
        return "runc";
    }
}
