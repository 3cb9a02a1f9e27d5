package dev.nana.cri;

import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventType;
import dev.nana.Subscription;
import dev.nana.Supervisor;
import dev.nana.cri.v1.ContainerEventResponse;
import dev.nana.cri.v1.ContainerEventType;
import dev.nana.cri.v1.ContainerStatusRequest;
import dev.nana.cri.v1.PodSandboxStatusRequest;
import dev.nana.supervisor.state.StateFiles;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CRI's GetContainerEvents, from nana's event journal: a pod's containers' (and sandboxes')
 * creates, starts, exits and deletes, each with the pod's status and its containers' statuses, as
 * the kubelet's Evented PLEG wants them. Where the last stream stopped is kept on disk (the time of
 * the last event handed to a stream), so that a daemon SIGKILLed and started again goes on from
 * there: what happened meanwhile, or was journaled but not yet sent, comes once; a first stream
 * starts with what comes next.
 */
final class ContainerEvents {
    private static final Logger log = LoggerFactory.getLogger(ContainerEvents.class);

    /** The file that says where the last stream stopped. */
    static final String CURSOR = "events.cursor";

    private static final Pattern CRI_ID = Pattern.compile("[0-9a-f]{64}");

    private final Supervisor supervisor;
    private final PodContainers containers;
    private final Sandboxes sandboxes;
    private final SandboxCalls pods;
    private final ContainerCalls calls;
    private final Path cursor;

    /** The pod of each container seen: a delete comes when its record may be gone. */
    private final Map<String, String> podOf = new ConcurrentHashMap<>();

    ContainerEvents(
            Supervisor supervisor,
            PodContainers containers,
            Sandboxes sandboxes,
            SandboxCalls pods,
            ContainerCalls calls,
            Path criRoot) {
        this.supervisor = supervisor;
        this.containers = containers;
        this.sandboxes = sandboxes;
        this.pods = pods;
        this.calls = calls;
        this.cursor = criRoot.resolve(CURSOR);
    }

    /** Streams events to out until its client goes. */
    void stream(StreamObserver<ContainerEventResponse> out) {
        Instant since = readCursor();
        Subscription s =
                supervisor.subscribe(
                        EventFilter.ALL,
                        since,
                        e -> {
                            ContainerEventResponse r = translate(e);
                            if (r != null) {
                                synchronized (out) {
                                    out.onNext(r);
                                }
                            }
                            writeCursor(e.time());
                        });
        if (out instanceof ServerCallStreamObserver<ContainerEventResponse> call)
            call.setOnCancelHandler(s::close);
    }

    private ContainerEventResponse translate(Event e) {
        ContainerEventType type =
                switch (e.type()) {
                    case CREATE -> ContainerEventType.CONTAINER_CREATED_EVENT;
                    case START -> ContainerEventType.CONTAINER_STARTED_EVENT;
                    case EXIT ->
                            e.process() == null || e.process().equals("init")
                                    ? ContainerEventType.CONTAINER_STOPPED_EVENT
                                    : null; // an exec's
                    case DELETE -> ContainerEventType.CONTAINER_DELETED_EVENT;
                    default -> null;
                };
        if (type == null) return null;
        String pod = podOf(e.id());
        if (pod == null && !(e.type() == EventType.DELETE && CRI_ID.matcher(e.id()).matches()))
            return null; // not a CRI container's (a nana container of the same node)
        ContainerEventResponse.Builder b =
                ContainerEventResponse.newBuilder()
                        .setContainerId(e.id())
                        .setContainerEventType(type)
                        .setCreatedAt(CriReplies.nanos(e.time()));
        if (pod != null) {
            try {
                b.setPodSandboxStatus(
                        pods.status(
                                        PodSandboxStatusRequest.newBuilder()
                                                .setPodSandboxId(pod)
                                                .build())
                                .getStatus());
                for (CriContainerRecord c : containers.of(pod))
                    b.addContainersStatuses(
                            calls.status(
                                            ContainerStatusRequest.newBuilder()
                                                    .setContainerId(c.id())
                                                    .build())
                                    .getStatus());
            } catch (IOException | RuntimeException gone) {
                // the pod went meanwhile: the event says what it can
            }
        }
        if (e.type() == EventType.DELETE) podOf.remove(e.id());
        return b.build();
    }

    /** The pod of a CRI container or sandbox (a sandbox is its own pod), or null. */
    private String podOf(String id) {
        String known = podOf.get(id);
        if (known != null) return known;
        CriContainerRecord c = containers.find(id);
        String pod =
                c != null && c.id().equals(id)
                        ? c.sandboxId()
                        : sandboxes.find(id) != null && sandboxes.find(id).id().equals(id)
                                ? id
                                : null;
        if (pod != null) podOf.put(id, pod);
        return pod;
    }

    private Instant readCursor() {
        try {
            return Files.exists(cursor)
                    ? Instant.parse(Files.readString(cursor).strip())
                    : null; // the first stream: what comes next
        } catch (IOException | RuntimeException e) {
            log.warn("{} cannot be read ({}): events stream from now on", cursor, e.toString());
            return null;
        }
    }

    private void writeCursor(Instant t) {
        try {
            StateFiles.writeBytes(
                    cursor, t.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            log.warn("{} cannot be written: {}", cursor, e.toString());
        }
    }
}
