/**
 * nana's client: the API ({@link dev.nana.Supervisor}) through a daemon's gRPC socket, found by
 * {@link dev.nana.Supervisor#connect} through {@link java.util.ServiceLoader}. Its package is
 * exported to nana's CLI alone; users reach it through the API.
 */
module dev.nana.client {
    requires transitive dev.nana;
    requires dev.nana.grpc;
    requires io.grpc.netty.shaded;
    requires org.slf4j;
    // grpc-core is an automatic module and cannot ask for what it needs; explicit modules are
    // resolved only when a module requires them (without this, the first remote call fails with
    // NoClassDefFoundError: InternalFutureFailureAccess, Guava's internal futures)
    requires com.google.common;
    // netty (in grpc-netty-shaded) uses sun.misc.Unsafe where it is there
    requires jdk.unsupported;

    exports dev.nana.client to
            dev.nana.cli;

    provides dev.nana.spi.RemoteSupervisorFactory with
            dev.nana.client.RemoteFactory;
}
