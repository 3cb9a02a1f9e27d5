package dev.nana.it.shim;

/** The shim contract with runc. */
class RuncShimTest extends ShimContract {
    @Override
    String runtime() {
        return "runc";
    }
}
