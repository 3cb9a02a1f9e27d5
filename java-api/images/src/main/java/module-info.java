/**
 * nana's image store: images pulled from registries or loaded from archives, their layers unpacked
 * once and shared, and bundles made from them ({@link dev.nana.images.StoreImageBundles}, which the
 * in-process supervisor finds for {@code ContainerSpec.fromImage}). The CRI and the CLI use it; so
 * may a Java program, without either.
 */
module dev.nana.images {
    requires transitive dev.nana;
    requires transitive dev.nana.oci;
    requires dev.nana.supervisor;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.toml;
    requires org.slf4j;
    requires org.apache.commons.compress;
    // commons-compress needs it for zstd layers but requires it only statically
    requires com.github.luben.zstd_jni;
    // jib-core and google-http-client are automatic modules (no module-info of their own)
    requires com.google.cloud.tools.jib;
    requires com.google.api.client;
    // what jib needs that an automatic module cannot ask for: explicit modules are resolved only
    // when a module requires them (the first remote answer needs Guava's internal futures)
    requires com.google.common;

    exports dev.nana.images;

    // image records and the registry hosts' TOML are Jackson beans
    opens dev.nana.images to
            com.fasterxml.jackson.databind;

    uses dev.nana.images.ImageUsers;

    provides dev.nana.spi.ImageBundles with
            dev.nana.images.StoreImageBundles;
}
