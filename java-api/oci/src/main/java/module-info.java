/**
 * The OCI runtime spec, typed ({@link dev.nana.oci.Spec}), and the options it is built with ({@link
 * dev.nana.oci.SpecOpts}). A named module, not an automatic one, so that a build that stops before
 * packaging (mvn test) compiles the supervisor against it as it is.
 */
module dev.nana.oci {
    requires transitive dev.nana;
    requires transitive com.fasterxml.jackson.databind;

    exports dev.nana.oci;

    // the spec's parts are Jackson beans
    opens dev.nana.oci to
            com.fasterxml.jackson.databind;
}
