/**
 * nana's in-process supervisor: what {@link dev.nana.Supervisor#builder()} builds. Its packages are
 * nana's own, exported only to nana's daemon and CLI; users reach it through the API alone. It
 * needs native access (--enable-native-access=dev.nana.supervisor, or ALL-UNNAMED on the class
 * path) for libnana.
 */
module dev.nana.supervisor {
    requires transitive dev.nana;
    requires dev.nana.oci;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires org.slf4j;
    // libnana.so and nana-shim, as resources (the nana-native jar)
    requires dev.nana.natives;

    // each package only to the modules that use it (LayeringTest keeps the floors); the CLI
    // uses none: it reaches the supervisor through the API (Supervisor.builder(), ClientIo.of)
    exports dev.nana.supervisor to
            dev.nana.images,
            dev.nana.cri,
            dev.nana.daemon;
    exports dev.nana.supervisor.os to
            dev.nana.images,
            dev.nana.cri,
            dev.nana.daemon;
    exports dev.nana.supervisor.state to
            dev.nana.images,
            dev.nana.cri,
            dev.nana.daemon;
    exports dev.nana.supervisor.shim to
            dev.nana.cri;

    // state files, the journal and process records are Jackson records
    opens dev.nana.supervisor.events to
            com.fasterxml.jackson.databind;
    opens dev.nana.supervisor.shim to
            com.fasterxml.jackson.databind;
    opens dev.nana.supervisor.state to
            com.fasterxml.jackson.databind;

    uses dev.nana.spi.ImageBundles;

    provides dev.nana.spi.LocalSupervisorFactory with
            dev.nana.supervisor.LocalFactory;
}
