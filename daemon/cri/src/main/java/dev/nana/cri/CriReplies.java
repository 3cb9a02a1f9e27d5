package dev.nana.cri;

import dev.nana.ContainerInfo;
import dev.nana.NotFoundException;
import dev.nana.Supervisor;
import dev.nana.cri.v1.ContainerMetadata;
import dev.nana.cri.v1.ContainerState;
import dev.nana.cri.v1.UInt64Value;
import dev.nana.grpc.Statuses;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/**
 * What every CRI call shares, and nothing else: a reply from a call's value or its error's status,
 * and the conversions between nana's view and the CRI's (times, states, metadata, filters). A leaf:
 * it calls no other class of the CRI.
 */
final class CriReplies {
    private CriReplies() {}

    /** Answers with call's value, or with the status its nana error maps to. */
    static <T> void reply(StreamObserver<T> out, Call<T> call) {
        T value;
        try {
            value = call.get();
        } catch (IOException e) {
            out.onError(Statuses.toStatus(new UncheckedIOException(e)));
            return;
        } catch (RuntimeException e) {
            out.onError(Statuses.toStatus(e));
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }

    @FunctionalInterface
    interface Call<T> {
        T get() throws IOException;
    }

    /** t in nanoseconds since the epoch, as the CRI counts times. */
    static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    static UInt64Value u64(long v) {
        return UInt64Value.newBuilder().setValue(v).build();
    }

    /** A cgroup's working set, as the kubelet counts it: its memory less its page cache. */
    static long workingSet(dev.nana.Stats s) {
        return Math.max(0, s.memoryBytes() - s.memoryCacheBytes());
    }

    /**
     * A cgroup's memory limit, or 0 for none: cgroup v1 says "unlimited" with a page-rounded
     * maximum near Long.MAX_VALUE, and cAdvisor says 0.
     */
    static long memoryLimit(dev.nana.Stats s) {
        long limit = s.memoryLimitBytes();
        return limit > 0 && limit < Long.MAX_VALUE / 2 ? limit : 0;
    }

    /** A container's state, or null when nana has no container of that id (any more). */
    static ContainerInfo info(Supervisor supervisor, String id) {
        try {
            return supervisor.state(id);
        } catch (NotFoundException e) {
            return null;
        }
    }

    static ContainerState state(ContainerInfo info) {
        if (info == null) return ContainerState.CONTAINER_UNKNOWN;
        return switch (info.status()) {
            case CREATED -> ContainerState.CONTAINER_CREATED;
            case RUNNING, PAUSED -> ContainerState.CONTAINER_RUNNING;
            case STOPPED -> ContainerState.CONTAINER_EXITED;
            default -> ContainerState.CONTAINER_UNKNOWN;
        };
    }

    /** Whether c passes a list filter: id and pod sandbox id prefixes, and labels, all of them. */
    static boolean matches(
            CriContainerRecord c, String id, String sandboxId, Map<String, String> labels) {
        return c.id().startsWith(id)
                && c.sandboxId().startsWith(sandboxId)
                && c.labels().entrySet().containsAll(labels.entrySet());
    }

    static ContainerMetadata metadata(CriContainerRecord c) {
        return ContainerMetadata.newBuilder().setName(c.name()).setAttempt(c.attempt()).build();
    }
}
