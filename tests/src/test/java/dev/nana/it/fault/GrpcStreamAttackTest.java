package dev.nana.it.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.nana.grpc.v1.ContainersGrpc;
import dev.nana.grpc.v1.CreateRequest;
import dev.nana.grpc.v1.InputChunk;
import dev.nana.grpc.v1.InputResponse;
import dev.nana.grpc.v1.OutputChunk;
import dev.nana.grpc.v1.OutputRequest;
import dev.nana.it.Baseline;
import dev.nana.it.Fixture;
import dev.nana.it.GrpcChannel;
import dev.nana.it.NanaCli;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The daemon's own gRPC streams attacked: Input streams into containers that never read their stdin
 * (a blocking FIFO write in native code once pinned both of this machine's carrier threads and
 * froze every gRPC call, nana.v1's and the CRI's), and Output streams opened and never read (a few
 * hundred once filled the heap). Beside each attack and after it, {@code nana ps} and the CRI
 * answer within a second.
 */
@Tag("fault")
class GrpcStreamAttackTest {
    @Test
    void inputStreamsIntoContainersThatNeverReadFreezeNothing() throws Exception {
        try (NanaCli nana = new NanaCli();
                GrpcChannel grpc = GrpcChannel.open(nana.socket)) {
            nana.startDaemon();
            var blocking = ContainersGrpc.newBlockingStub(grpc.channel());
            for (int i = 0; i < 4; i++)
                blocking.run(
                        CreateRequest.newBuilder()
                                .setId("deaf" + i)
                                .setBundle(Fixture.demoBundle().toString())
                                .addArgs("sleep")
                                .addArgs("1000")
                                .setOpenStdin(true)
                                .build());
            Baseline baseline = Baseline.of(nana); // the containers run: the attack is the input
            var api = ContainersGrpc.newStub(grpc.channel());
            List<StreamObserver<InputChunk>> inputs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                StreamObserver<InputChunk> in =
                        api.input(
                                new StreamObserver<InputResponse>() {
                                    @Override
                                    public void onNext(InputResponse r) {}

                                    @Override
                                    public void onError(Throwable t) {}

                                    @Override
                                    public void onCompleted() {}
                                });
                in.onNext(InputChunk.newBuilder().setId("deaf" + i).build());
                // far more than the FIFO holds (64 KiB): the daemon's write waits on it
                ByteString mib = ByteString.copyFrom(new byte[1 << 20]);
                for (int j = 0; j < 4; j++) in.onNext(InputChunk.newBuilder().setData(mib).build());
                inputs.add(in);
            }
            Thread.sleep(1000); // the writes are waiting now
            Baseline.answers(nana, "beside 4 Input streams into containers that never read");
            for (StreamObserver<InputChunk> in : inputs)
                in.onError(Status.CANCELLED.asRuntimeException());
            baseline.stillServes(nana, "after 4 Input streams were cancelled");
            for (int i = 0; i < 4; i++) assertEquals(0, nana.run("rm", "-f", "deaf" + i).exit());
        }
    }

    @Test
    void outputStreamsNeverReadAreCapped() throws Exception {
        int n = 300;
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            assertEquals(
                    0,
                    nana.run("run", "-d", "chatty", "--", "sh", "-c", "while :; do echo y; done")
                            .exit());
            Baseline baseline = Baseline.of(nana);
            AtomicInteger refused = new AtomicInteger();
            List<ClientCallStreamObserver<OutputRequest>> calls = new ArrayList<>();
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket)) {
                var api = ContainersGrpc.newStub(grpc.channel());
                for (int i = 0; i < n; i++) {
                    api.output(
                            OutputRequest.newBuilder().setId("chatty").build(),
                            new ClientResponseObserver<OutputRequest, OutputChunk>() {
                                @Override
                                public void beforeStart(
                                        ClientCallStreamObserver<OutputRequest> call) {
                                    call.disableAutoRequestWithInitial(0); // never reads
                                    synchronized (calls) {
                                        calls.add(call);
                                    }
                                }

                                @Override
                                public void onNext(OutputChunk c) {}

                                @Override
                                public void onError(Throwable t) {
                                    if (Status.fromThrowable(t).getCode()
                                            == Status.Code.RESOURCE_EXHAUSTED)
                                        refused.incrementAndGet();
                                }

                                @Override
                                public void onCompleted() {}
                            });
                }
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(
                                () ->
                                        assertTrue(
                                                refused.get() >= n - 128,
                                                "over the cap of 128 output streams,"
                                                        + " RESOURCE_EXHAUSTED: "
                                                        + refused.get()));
                Baseline.answers(nana, "beside " + (n - refused.get()) + " unread Output streams");
                synchronized (calls) {
                    for (var c : calls) c.cancel("done", null);
                }
            }
            assertEquals(0, nana.run("rm", "-f", "chatty").exit());
            baseline.stillServes(nana, "after " + n + " unread Output streams were cancelled");
        }
    }
}
