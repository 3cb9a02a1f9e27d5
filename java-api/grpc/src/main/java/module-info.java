/**
 * nana's gRPC API (package {@code nana.v1}): the messages and stubs protoc makes of nana.proto, and
 * how the API's values and errors cross it ({@link dev.nana.grpc.Convert}, {@link
 * dev.nana.grpc.Statuses}). The daemon serves it; nana-client calls it.
 */
module dev.nana.grpc {
    requires transitive dev.nana;
    // gRPC and protobuf are automatic modules; their types are in the stubs' signatures
    requires transitive io.grpc;
    requires transitive io.grpc.stub;
    requires transitive io.grpc.protobuf;
    requires transitive com.google.protobuf;
    // the future stubs return Guava's ListenableFuture
    requires transitive com.google.common;

    exports dev.nana.grpc;
    exports dev.nana.grpc.v1;
}
