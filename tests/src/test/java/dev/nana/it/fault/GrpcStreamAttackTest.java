package dev.nana.it.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.nana.grpc.v1.ContainersGrpc;
import dev.nana.grpc.v1.CreateRequest;
import dev.nana.grpc.v1.ExecRequest;
import dev.nana.grpc.v1.ExecStreamRequest;
import dev.nana.grpc.v1.ExecStreamResponse;
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
 * hundred once filled the heap), and exec streams sent out of order or never read. Beside each
 * attack and after it, {@code nana ps} and the CRI answer within a second.
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

    @Test
    void execStreamsOutOfOrderAreRefusedAndNeverReadOnesAreCapped() throws Exception {
        int n = 140;
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            assertEquals(0, nana.run("run", "-d", "box", "--", "sleep", "1000").exit());
            try (GrpcChannel grpc = GrpcChannel.open(nana.socket)) {
                var api = ContainersGrpc.newStub(grpc.channel());
                ExecRequest flood =
                        ExecRequest.newBuilder()
                                .setId("box")
                                .addArgs("sh")
                                .addArgs("-c")
                                .addArgs("head -c 262144 /dev/zero; exec sleep 1000")
                                .build();
                // out of order: input before the process, a second start
                assertEquals(
                        "an exec stream starts with its process (start), before any input",
                        refusal(
                                api,
                                List.of(
                                        ExecStreamRequest.newBuilder()
                                                .setInput(ByteString.copyFromUtf8("x"))
                                                .build())));
                assertEquals(
                        "an exec stream runs one process: start comes once, first",
                        refusal(
                                api,
                                List.of(
                                        ExecStreamRequest.newBuilder().setStart(flood).build(),
                                        ExecStreamRequest.newBuilder().setStart(flood).build())));

                // the supervisor's start and worker pools grow to their size under many execs
                // at once, by design: measured after a first round, only a leak shows
                unread(api, flood, 40, new AtomicInteger());
                Thread.sleep(3000); // their processes run, and wait on their pipes
                cancelAll();
                Baseline baseline = Baseline.of(nana);

                // never read: each holds a process that waits on its pipe, up to the cap
                AtomicInteger refused = new AtomicInteger();
                unread(api, flood, n, refused);
                await().atMost(Duration.ofMinutes(2))
                        .untilAsserted(
                                () ->
                                        assertTrue(
                                                refused.get() >= n - 128,
                                                "over the cap of 128 streams, refused: "
                                                        + refused.get()));
                Baseline.answers(nana, "beside " + (n - refused.get()) + " unread exec streams");
                cancelAll();
                assertEquals(0, nana.run("rm", "-f", "box").exit());
                // the worker pool keeps a thread 60 s after its last task (a cached pool): the
                // 128 exits it handled leave more than the first round did, for that long
                Thread.sleep(20_000);
                baseline.stillServes(nana, "after " + n + " unread exec streams were cancelled");
            }
        }
    }

    private final List<ClientCallStreamObserver<ExecStreamRequest>> calls = new ArrayList<>();

    private void cancelAll() {
        synchronized (calls) {
            for (var c : calls) c.cancel("done", null);
            calls.clear();
        }
    }

    /** n exec streams of spec that never read; refused counts those over the daemon's cap. */
    private void unread(
            ContainersGrpc.ContainersStub api, ExecRequest spec, int n, AtomicInteger refused) {
        for (int i = 0; i < n; i++) {
            StreamObserver<ExecStreamRequest> call =
                    api.execStream(
                            new ClientResponseObserver<ExecStreamRequest, ExecStreamResponse>() {
                                @Override
                                public void beforeStart(
                                        ClientCallStreamObserver<ExecStreamRequest> c) {
                                    c.disableAutoRequestWithInitial(0); // never reads
                                    synchronized (calls) {
                                        calls.add(c);
                                    }
                                }

                                @Override
                                public void onNext(ExecStreamResponse m) {}

                                @Override
                                public void onError(Throwable t) {
                                    String d = Status.fromThrowable(t).getDescription();
                                    if (d != null && d.contains("streams at once"))
                                        refused.incrementAndGet();
                                }

                                @Override
                                public void onCompleted() {}
                            });
            call.onNext(ExecStreamRequest.newBuilder().setStart(spec).build());
        }
    }

    /** What the daemon says to an exec stream that sends these messages. */
    private static String refusal(
            ContainersGrpc.ContainersStub api, List<ExecStreamRequest> messages) throws Exception {
        java.util.concurrent.CompletableFuture<Status> ended =
                new java.util.concurrent.CompletableFuture<>();
        StreamObserver<ExecStreamRequest> call =
                api.execStream(
                        new StreamObserver<ExecStreamResponse>() {
                            @Override
                            public void onNext(ExecStreamResponse m) {}

                            @Override
                            public void onError(Throwable t) {
                                ended.complete(Status.fromThrowable(t));
                            }

                            @Override
                            public void onCompleted() {
                                ended.complete(Status.OK);
                            }
                        });
        messages.forEach(call::onNext);
        Status s = ended.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), String.valueOf(s));
        return s.getDescription();
    }
}
