package dev.nana.grpc;

import com.google.protobuf.Timestamp;
import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventType;
import dev.nana.ExitStatus;
import dev.nana.InvalidArgumentException;
import dev.nana.Stdio;
import dev.nana.grpc.v1.Container;
import dev.nana.grpc.v1.ContainerStats;
import dev.nana.grpc.v1.CreateRequest;
import dev.nana.grpc.v1.EventsRequest;
import dev.nana.grpc.v1.ExecRequest;
import dev.nana.grpc.v1.Status;
import dev.nana.grpc.v1.UpdateRequest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/** Between the Java API's records and nana.v1's messages, both ways, in one place. */
public final class Convert {
    private Convert() {}

    public static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    public static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    private static Path path(String s) {
        return s.isEmpty() ? null : Path.of(s);
    }

    public static CreateRequest toProto(ContainerSpec s) {
        CreateRequest.Builder b =
                CreateRequest.newBuilder()
                        .setId(s.id())
                        .setBundle(s.bundle() == null ? "" : s.bundle().toString())
                        .setRuntime(s.runtime() == null ? "" : s.runtime())
                        .addAllRuntimeArgs(s.runtimeArgs())
                        .putAllLabels(s.labels())
                        .setTerminal(s.terminal())
                        .addAllArgs(s.args())
                        .addAllEnv(s.env())
                        .setCwd(s.cwd() == null ? "" : s.cwd())
                        .setMemoryLimitBytes(
                                s.memoryLimitBytes() == null ? 0 : s.memoryLimitBytes())
                        .setOpenStdin(s.openStdin())
                        .setLogFile(s.logFile() == null ? "" : s.logFile().toString())
                        .setImage(s.image() == null ? "" : s.image())
                        .setHostNetwork(s.hostNetwork());
        return b.setStdio(toProto(s.stdio())).build();
    }

    /** Stdio paths; an empty string is no path. */
    public static dev.nana.grpc.v1.Stdio toProto(Stdio stdio) {
        dev.nana.grpc.v1.Stdio.Builder io = dev.nana.grpc.v1.Stdio.newBuilder();
        if (stdio.stdin() != null) io.setStdin(stdio.stdin().toString());
        if (stdio.stdout() != null) io.setStdout(stdio.stdout().toString());
        if (stdio.stderr() != null) io.setStderr(stdio.stderr().toString());
        return io.build();
    }

    public static Stdio fromProto(dev.nana.grpc.v1.Stdio io) {
        return new Stdio(path(io.getStdin()), path(io.getStdout()), path(io.getStderr()));
    }

    public static ContainerSpec fromProto(CreateRequest r) {
        if (!r.getImage().isEmpty() && !r.getBundle().isEmpty())
            throw new InvalidArgumentException(
                    "container \"" + r.getId() + "\": give a bundle or an image to run, not both");
        ContainerSpec.Builder b =
                (r.getImage().isEmpty()
                                ? ContainerSpec.builder(r.getId(), path(r.getBundle()))
                                : ContainerSpec.fromImage(r.getId(), r.getImage()))
                        .runtime(r.getRuntime().isEmpty() ? null : r.getRuntime())
                        .runtimeArgs(r.getRuntimeArgsList())
                        .labels(r.getLabelsMap())
                        .stdio(fromProto(r.getStdio()))
                        .terminal(r.getTerminal())
                        .args(r.getArgsList())
                        .env(r.getEnvList())
                        .cwd(r.getCwd().isEmpty() ? null : r.getCwd())
                        .memoryLimitBytes(
                                r.getMemoryLimitBytes() != 0 ? r.getMemoryLimitBytes() : null);
        if (r.getOpenStdin()) b.openStdin();
        if (r.getHostNetwork()) b.hostNetwork();
        if (!r.getLogFile().isEmpty()) b.logFile(Path.of(r.getLogFile()));
        return b.build(); // < 0 is refused there
    }

    public static Container toProto(ContainerInfo c) {
        Container.Builder b =
                Container.newBuilder()
                        .setId(c.id())
                        .setStatus(toProto(c.status()))
                        .setPid(c.pid())
                        .setBundle(c.bundle().toString())
                        .setRuntime(c.runtime())
                        .putAllLabels(c.labels())
                        .setCreatedAt(timestamp(c.createdAt()))
                        .setOomKills(c.oomKills());
        if (c.exit() != null) b.setExit(toProto(c.exit()));
        return b.build();
    }

    public static ContainerInfo fromProto(Container c) {
        return new ContainerInfo(
                c.getId(),
                fromProto(c.getStatus()),
                c.getPid(),
                Path.of(c.getBundle()),
                c.getRuntime(),
                c.getLabelsMap(),
                instant(c.getCreatedAt()),
                c.hasExit() ? fromProto(c.getExit()) : null,
                c.getOomKills());
    }

    public static dev.nana.grpc.v1.ExitStatus toProto(ExitStatus e) {
        return dev.nana.grpc.v1.ExitStatus.newBuilder()
                .setCode(e.code())
                .setExitedAt(timestamp(e.exitedAt()))
                .setOomKilled(e.oomKilled())
                .setDerived(e.derived())
                .build();
    }

    public static ExitStatus fromProto(dev.nana.grpc.v1.ExitStatus e) {
        return new ExitStatus(
                e.getCode(), instant(e.getExitedAt()), e.getOomKilled(), e.getDerived());
    }

    public static Status toProto(ContainerStatus s) {
        return switch (s) {
            case CREATED -> Status.STATUS_CREATED;
            case RUNNING -> Status.STATUS_RUNNING;
            case PAUSED -> Status.STATUS_PAUSED;
            case STOPPED -> Status.STATUS_STOPPED;
        };
    }

    public static ContainerStatus fromProto(Status s) {
        return switch (s) {
            case STATUS_CREATED -> ContainerStatus.CREATED;
            case STATUS_RUNNING -> ContainerStatus.RUNNING;
            case STATUS_PAUSED -> ContainerStatus.PAUSED;
            case STATUS_STOPPED -> ContainerStatus.STOPPED;
            case STATUS_UNSPECIFIED, UNRECOGNIZED -> null;
        };
    }

    public static dev.nana.grpc.v1.EventType toProto(EventType t) {
        return switch (t) {
            case CREATE -> dev.nana.grpc.v1.EventType.EVENT_TYPE_CREATE;
            case START -> dev.nana.grpc.v1.EventType.EVENT_TYPE_START;
            case EXIT -> dev.nana.grpc.v1.EventType.EVENT_TYPE_EXIT;
            case OOM -> dev.nana.grpc.v1.EventType.EVENT_TYPE_OOM;
            case DELETE -> dev.nana.grpc.v1.EventType.EVENT_TYPE_DELETE;
            case PAUSE -> dev.nana.grpc.v1.EventType.EVENT_TYPE_PAUSE;
            case RESUME -> dev.nana.grpc.v1.EventType.EVENT_TYPE_RESUME;
            case EXEC_STARTED -> dev.nana.grpc.v1.EventType.EVENT_TYPE_EXEC_STARTED;
        };
    }

    public static EventType fromProto(dev.nana.grpc.v1.EventType t) {
        return switch (t) {
            case EVENT_TYPE_CREATE -> EventType.CREATE;
            case EVENT_TYPE_START -> EventType.START;
            case EVENT_TYPE_EXIT -> EventType.EXIT;
            case EVENT_TYPE_OOM -> EventType.OOM;
            case EVENT_TYPE_DELETE -> EventType.DELETE;
            case EVENT_TYPE_PAUSE -> EventType.PAUSE;
            case EVENT_TYPE_RESUME -> EventType.RESUME;
            case EVENT_TYPE_EXEC_STARTED -> EventType.EXEC_STARTED;
            case EVENT_TYPE_UNSPECIFIED, UNRECOGNIZED -> null;
        };
    }

    public static dev.nana.grpc.v1.Event toProto(Event e) {
        dev.nana.grpc.v1.Event.Builder b =
                dev.nana.grpc.v1.Event.newBuilder()
                        .setSeq(e.seq())
                        .setTime(timestamp(e.time()))
                        .setType(toProto(e.type()))
                        .setId(e.id())
                        .setProcess(e.process());
        if (e.exitCode() != null) b.setExitCode(e.exitCode());
        return b.build();
    }

    public static Event fromProto(dev.nana.grpc.v1.Event e) {
        EventType type = fromProto(e.getType());
        return new Event(
                e.getSeq(),
                instant(e.getTime()),
                type,
                e.getId(),
                e.getProcess(),
                type == EventType.EXIT ? e.getExitCode() : null);
    }

    public static UpdateRequest toProto(String id, dev.nana.Resources r) {
        var b = UpdateRequest.newBuilder().setId(id);
        if (r.memoryLimitBytes() != null) b.setMemoryLimitBytes(r.memoryLimitBytes());
        if (r.memoryReservationBytes() != null)
            b.setMemoryReservationBytes(r.memoryReservationBytes());
        if (r.cpuShares() != null) b.setCpuShares(r.cpuShares());
        if (r.cpuQuotaMicros() != null) b.setCpuQuotaMicros(r.cpuQuotaMicros());
        if (r.cpuPeriodMicros() != null) b.setCpuPeriodMicros(r.cpuPeriodMicros());
        if (r.cpusetCpus() != null) b.setCpusetCpus(r.cpusetCpus());
        if (r.pidsLimit() != null) b.setPidsLimit(r.pidsLimit());
        return b.build();
    }

    public static dev.nana.Resources fromProto(UpdateRequest r) {
        return new dev.nana.Resources(
                r.hasMemoryLimitBytes() ? r.getMemoryLimitBytes() : null,
                r.hasMemoryReservationBytes() ? r.getMemoryReservationBytes() : null,
                r.hasCpuShares() ? r.getCpuShares() : null,
                r.hasCpuQuotaMicros() ? r.getCpuQuotaMicros() : null,
                r.hasCpuPeriodMicros() ? r.getCpuPeriodMicros() : null,
                r.hasCpusetCpus() ? r.getCpusetCpus() : null,
                r.hasPidsLimit() ? r.getPidsLimit() : null);
    }

    public static ContainerStats toProto(dev.nana.Stats s) {
        return ContainerStats.newBuilder()
                .setId(s.id())
                .setTime(timestamp(s.time()))
                .setCpuNanos(s.cpuNanos())
                .setMemoryBytes(s.memoryBytes())
                .setMemoryLimitBytes(s.memoryLimitBytes())
                .setMemoryCacheBytes(s.memoryCacheBytes())
                .setOomKills(s.oomKills())
                .setPids(s.pids())
                .setPidsLimit(s.pidsLimit())
                .setBlockReadBytes(s.blockReadBytes())
                .setBlockWriteBytes(s.blockWriteBytes())
                .build();
    }

    public static dev.nana.Stats fromProto(ContainerStats s) {
        return new dev.nana.Stats(
                s.getId(),
                instant(s.getTime()),
                s.getCpuNanos(),
                s.getMemoryBytes(),
                s.getMemoryLimitBytes(),
                s.getMemoryCacheBytes(),
                s.getOomKills(),
                s.getPids(),
                s.getPidsLimit(),
                s.getBlockReadBytes(),
                s.getBlockWriteBytes());
    }

    public static ExecRequest toProto(String id, dev.nana.ExecSpec e) {
        return ExecRequest.newBuilder()
                .setId(id)
                .setExecId(e.execId() == null ? "" : e.execId())
                .addAllArgs(e.args())
                .addAllEnv(e.env())
                .setCwd(e.cwd() == null ? "" : e.cwd())
                .setUser(e.user() == null ? "" : e.user())
                .setTerminal(e.terminal())
                .setStdio(toProto(e.stdio()))
                .setConsoleRows(e.consoleRows())
                .setConsoleCols(e.consoleCols())
                .build();
    }

    public static dev.nana.ExecSpec fromProto(ExecRequest r) {
        return new dev.nana.ExecSpec(
                r.getExecId().isEmpty() ? null : r.getExecId(),
                r.getArgsList(),
                r.getEnvList(),
                r.getCwd().isEmpty() ? null : r.getCwd(),
                r.getUser().isEmpty() ? null : r.getUser(),
                r.getTerminal(),
                fromProto(r.getStdio()),
                r.getConsoleRows(),
                r.getConsoleCols());
    }

    public static EventsRequest toProto(EventFilter f, Instant since) {
        EventsRequest.Builder b = EventsRequest.newBuilder().addAllIds(f.ids());
        f.types().forEach(t -> b.addTypes(toProto(t)));
        if (since != null) b.setSince(timestamp(since));
        return b.build();
    }

    public static EventFilter filter(EventsRequest r) {
        Set<EventType> types = new HashSet<>();
        for (dev.nana.grpc.v1.EventType t : r.getTypesList()) {
            EventType mapped = fromProto(t);
            if (mapped != null) types.add(mapped);
        }
        return new EventFilter(types, new HashSet<>(r.getIdsList()));
    }
}
