package dev.nana.oci;

/**
 * One change to a spec, in the manner of containerd's {@code oci.SpecOpts}: a container's config is
 * the defaults with a list of these applied in order ({@link SpecOpts#build}). A bad value is
 * refused when the option is applied, with a message that names it.
 */
@FunctionalInterface
public interface SpecOpt {
    void apply(Spec spec);
}
