package dev.nana.daemon;

import dev.nana.ResourceExhaustedException;
import dev.nana.supervisor.HeapBudget;
import io.grpc.BindableService;
import io.grpc.ForwardingServerCallListener;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Every unary gRPC call (nana.v1 and the CRI) takes its request's share of the heap budget while it
 * runs: a request parsed is a tree of objects several times its wire size (a map of 100,000 short
 * labels, ~1.6 MB on the wire, is ~10 MiB of entries; eight at once killed the daemon), and calls
 * run at once on virtual threads without a count. A request is sized on the wire first (1 MiB),
 * large ones are parsed one at a time, and a call whose parsed request does not fit the budget is
 * refused with RESOURCE_EXHAUSTED before it runs. Streams have caps of their own.
 */
final class RequestShares implements ServerInterceptor {
    /** Requests larger than this on the wire are parsed one at a time. */
    static final int LARGE = 64 << 10;

    private static final Semaphore LARGE_PARSES = new Semaphore(1, true);

    /**
     * A service whose unary requests are guarded: large ones parsed one at a time, each call's
     * parsed request in the budget.
     */
    static ServerServiceDefinition guard(BindableService service) {
        ServerServiceDefinition def = service.bindService();
        ServiceDescriptor old = def.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor =
                ServiceDescriptor.newBuilder(old.getName())
                        .setSchemaDescriptor(old.getSchemaDescriptor());
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> m : def.getMethods()) {
            ServerMethodDefinition<?, ?> guarded = parsedInTurn(m);
            methods.add(guarded);
            descriptor.addMethod(guarded.getMethodDescriptor());
        }
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(b::addMethod);
        return ServerInterceptors.intercept(b.build(), new RequestShares());
    }

    private static <Q, A> ServerMethodDefinition<Q, A> parsedInTurn(
            ServerMethodDefinition<Q, A> m) {
        MethodDescriptor<Q, A> d = m.getMethodDescriptor();
        if (d.getType() != MethodDescriptor.MethodType.UNARY) return m;
        return ServerMethodDefinition.create(
                d.toBuilder(new InTurn<>(d.getRequestMarshaller()), d.getResponseMarshaller())
                        .build(),
                m.getServerCallHandler());
    }

    /**
     * Parses a large request only while no other large one is parsed: the parse is the peak (a
     * request of 1 MiB of short map entries is ~6 MiB of objects), before any share can be taken.
     */
    private record InTurn<Q>(MethodDescriptor.Marshaller<Q> inner)
            implements MethodDescriptor.Marshaller<Q> {
        @Override
        public InputStream stream(Q value) {
            return inner.stream(value);
        }

        @Override
        public Q parse(InputStream in) {
            int size;
            try {
                // gRPC's whole-message streams know their length; a decompressing one does not
                size = in instanceof KnownLength ? in.available() : Integer.MAX_VALUE;
            } catch (IOException e) {
                size = Integer.MAX_VALUE;
            }
            if (size <= LARGE) return inner.parse(in);
            LARGE_PARSES.acquireUninterruptibly();
            try {
                return inner.parse(in);
            } finally {
                LARGE_PARSES.release();
            }
        }
    }

    /**
     * The heap a parsed request takes per byte on the wire, at most: short strings in maps are ~6
     * times their wire size (a label of 2+2 bytes costs its entry, its node and two strings).
     */
    static final int HEAP_BYTES_PER_WIRE_BYTE = 6;

    /** The largest request gRPC reads (its default is 4 MiB), so that its parse fits the heap. */
    static final int MAX_REQUEST_BYTES = 1 << 20;

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        ServerCall.Listener<Q> listener = next.startCall(call, headers);
        if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY)
            return listener;
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            private HeapBudget.Share share;
            private boolean refused;

            @Override
            public void onMessage(Q message) {
                long wire =
                        message instanceof com.google.protobuf.MessageLite m
                                ? m.getSerializedSize()
                                : 0;
                try {
                    share =
                            HeapBudget.PROCESS.take(
                                    HEAP_BYTES_PER_WIRE_BYTE * wire + (4 << 10),
                                    "a "
                                            + call.getMethodDescriptor().getBareMethodName()
                                            + " request of "
                                            + wire
                                            + " bytes");
                } catch (ResourceExhaustedException e) {
                    refused = true;
                    call.close(
                            Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()),
                            new Metadata());
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!refused) super.onHalfClose();
            }

            @Override
            public void onComplete() {
                release();
                super.onComplete();
            }

            @Override
            public void onCancel() {
                release();
                super.onCancel();
            }

            private void release() {
                if (share != null) share.close();
            }
        };
    }
}
