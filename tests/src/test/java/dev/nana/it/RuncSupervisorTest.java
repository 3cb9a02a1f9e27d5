package dev.nana.it;

/** The supervisor with runc. */
class RuncSupervisorTest extends SupervisorContract {
    @Override
    String runtime() {
        return "runc";
    }
}
