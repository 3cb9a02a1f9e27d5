package dev.nana.cri;

import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.ExitStatus;
import dev.nana.FailedPreconditionException;
import dev.nana.InvalidArgumentException;
import dev.nana.NotFoundException;
import dev.nana.Resources;
import dev.nana.Supervisor;
import dev.nana.cri.v1.AttachRequest;
import dev.nana.cri.v1.Container;
import dev.nana.cri.v1.ContainerConfig;
import dev.nana.cri.v1.ContainerFilter;
import dev.nana.cri.v1.ContainerState;
import dev.nana.cri.v1.ContainerStatusRequest;
import dev.nana.cri.v1.ContainerStatusResponse;
import dev.nana.cri.v1.CreateContainerRequest;
import dev.nana.cri.v1.ExecRequest;
import dev.nana.cri.v1.ExecSyncRequest;
import dev.nana.cri.v1.ExecSyncResponse;
import dev.nana.cri.v1.ImageSpec;
import dev.nana.cri.v1.LinuxContainerResources;
import dev.nana.cri.v1.ListContainersRequest;
import dev.nana.cri.v1.ListContainersResponse;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.UpdateContainerResourcesRequest;
import dev.nana.images.ImageRecord;
import dev.nana.images.ImageStore;
import dev.nana.images.RootFs;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.shim.ShimProtocol;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CRI's container calls, over nana's supervisor: a pod's container is a nana container made
 * from an image's layers (an overlay root filesystem) and an OCI config translated from its CRI
 * config ({@link ContainerBundle}), with CRI's own record of it in {@link PodContainers}.
 */
final class ContainerCalls {
    private static final Logger log = LoggerFactory.getLogger(ContainerCalls.class);

    private final Supervisor supervisor;
    private final Sandboxes sandboxes;
    private final PodContainers containers;
    private final ImageStore images;
    private final Path stateDir;

    ContainerCalls(
            Supervisor supervisor,
            Sandboxes sandboxes,
            PodContainers containers,
            ImageStore images,
            Path stateDir) {
        this.supervisor = supervisor;
        this.sandboxes = sandboxes;
        this.containers = containers;
        this.images = images;
        this.stateDir = stateDir;
    }

    /** CreateContainer: the new container's id. No half-made container is left on a failure. */
    String create(CreateContainerRequest r) throws IOException {
        SandboxRecord s = sandboxes.get(r.getPodSandboxId());
        ContainerConfig c = r.getConfig();
        if (!c.hasMetadata() || c.getMetadata().getName().isEmpty())
            throw new InvalidArgumentException("a container needs metadata with a name");
        CriLimits.check(
                "container " + c.getMetadata().getName(), c.getLabelsMap(), c.getAnnotationsMap());
        String ref = c.getImage().getImage();
        if (ref.isEmpty())
            throw new InvalidArgumentException(
                    "container " + c.getMetadata().getName() + " names no image: give one");
        ImageRecord image = images.find(ref);
        if (image == null) throw ImageStore.notFound(ref);
        if (image.diffIds().isEmpty())
            throw new InvalidArgumentException("image " + ref + " has no layers: nothing to run");
        ContainerInfo pause = CriReplies.info(supervisor, s.id());
        if (pause == null || pause.status() != ContainerStatus.RUNNING) {
            throw new dev.nana.FailedPreconditionException(
                    "pod sandbox " + s.id() + " is not ready: run a new one (RunPodSandbox)");
        }
        int targetPid = 0;
        var pidMode = c.getLinux().getSecurityContext().getNamespaceOptions();
        if (pidMode.getPid() == NamespaceMode.TARGET) {
            CriContainerRecord target = containers.get(pidMode.getTargetId());
            targetPid = supervisor.state(target.id()).pid();
        }
        String id = SandboxCalls.newId();
        String logPath =
                CriLogPaths.resolve(s.logDirectory(), c.getLogPath(), c.getMetadata().getName());
        List<CriContainerRecord.MountRecord> mounts = new ArrayList<>();
        for (var m : c.getMountsList())
            mounts.add(
                    new CriContainerRecord.MountRecord(
                            m.getContainerPath(),
                            m.getHostPath(),
                            m.getReadonly(),
                            m.getPropagationValue()));
        String digest = image.repoDigests().isEmpty() ? image.id() : image.repoDigests().getFirst();
        CriContainerRecord record =
                new CriContainerRecord(
                        id,
                        s.id(),
                        c.getMetadata().getName(),
                        c.getMetadata().getAttempt(),
                        ref,
                        image.id(),
                        digest,
                        Map.copyOf(c.getLabelsMap()),
                        Map.copyOf(c.getAnnotationsMap()),
                        logPath,
                        CriReplies.nanos(Instant.now()),
                        List.copyOf(mounts));
        Path bundle = containers.bundle(id);
        Path rootfs = bundle.resolve("rootfs");
        long preparing = System.nanoTime();
        long prepared;
        try {
            RootFs.mount(images, image, containers.dir(id), rootfs);
            var pod =
                    new ContainerBundle.Pod(
                            s,
                            sandboxes.dir(s.id()),
                            r.getSandboxConfig().getLinux().getCgroupParent(),
                            pause.pid(),
                            targetPid);
            var config =
                    images.config(
                            image,
                            imageConfig -> ContainerBundle.config(c, imageConfig, pod, rootfs, id));
            StateFiles.writeBytes(bundle.resolve("config.json"), config.toJson());
            prepared = System.nanoTime() - preparing;
            containers.add(record);
            ContainerSpec.Builder spec =
                    ContainerSpec.builder(id, bundle)
                            .label("io.kubernetes.cri.kind", "container")
                            .label("io.kubernetes.cri.sandbox", s.id());
            // a terminal, and a stdin kept open for an attach, as the config asks
            if (c.getTty()) spec.terminal(true).label(TTY_LABEL, "true");
            if (c.getStdin()) spec.openStdin().label(STDIN_LABEL, "true");
            if (c.getStdin() && c.getStdinOnce()) spec.label(STDIN_ONCE_LABEL, "true");
            if (!s.runtimeHandler().isEmpty()) spec.runtime(s.runtimeHandler());
            if (!logPath.isEmpty()) spec.logFile(CriLogPaths.prepare(s.logDirectory(), logPath));
            supervisor.create(spec.build());
        } catch (IOException | RuntimeException e) {
            // no half-made container: its nana container, mount and folder go
            SandboxCalls.deleteIfCreated(supervisor, id);
            containers.remove(id);
            throw e;
        }
        // the root filesystem (an overlay of the stored layers) and the bundle: bench/pod-start
        // reads this figure
        log.info(
                "container {} ({}) created in pod sandbox {}; root filesystem and bundle ready in {} us",
                id,
                record.name(),
                s.id(),
                prepared / 1000);
        return id;
    }

    /** StartContainer. */
    void start(String id) {
        supervisor.start(containers.get(id).id());
    }

    /** StopContainer: nothing for a container that is gone already. */
    void stop(String id, long timeoutSeconds) {
        CriContainerRecord c = containers.find(id);
        if (c != null) stop(c, timeoutSeconds);
    }

    /** SIGTERM, up to timeout seconds for the exit, then SIGKILL (at once for a timeout of 0). */
    private void stop(CriContainerRecord c, long timeoutSeconds) {
        String id = c.id();
        ContainerInfo info = CriReplies.info(supervisor, id);
        if (info == null || info.status() == ContainerStatus.STOPPED) return;
        if (info.status() == ContainerStatus.CREATED) {
            SandboxCalls.killAndWait(supervisor, id); // never started: nothing to ask nicely
            return;
        }
        if (timeoutSeconds > 0) {
            supervisor.kill(id, 15, false);
            try {
                supervisor.waitForExit(id).get(timeoutSeconds, TimeUnit.SECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new dev.nana.UnavailableException("interrupted while stopping " + id, e);
            } catch (ExecutionException | TimeoutException e) {
                // past its grace: killed below
            }
        }
        SandboxCalls.killAndWait(supervisor, id);
    }

    /** RemoveContainer: nothing for a container that is gone already. */
    void remove(String id) throws IOException {
        CriContainerRecord c = containers.find(id);
        if (c != null) remove(c);
    }

    /** Kills, deletes and forgets c (its pod is being removed, or c is). */
    void remove(CriContainerRecord c) throws IOException {
        SandboxCalls.killAndWait(supervisor, c.id());
        try {
            supervisor.delete(c.id(), true);
        } catch (NotFoundException e) {
            // removed before, or never created
        }
        containers.remove(c.id());
        log.info("container {} ({}) removed", c.id(), c.name());
    }

    ListContainersResponse list(ListContainersRequest r) {
        ContainerFilter f = r.getFilter();
        ListContainersResponse.Builder b = ListContainersResponse.newBuilder();
        for (CriContainerRecord c : containers.all()) {
            if (!CriReplies.matches(c, f.getId(), f.getPodSandboxId(), f.getLabelSelectorMap()))
                continue;
            ContainerInfo info = CriReplies.info(supervisor, c.id());
            ContainerState state = CriReplies.state(info);
            if (f.hasState() && f.getState().getState() != state) continue;
            b.addContainers(
                    Container.newBuilder()
                            .setId(c.id())
                            .setPodSandboxId(c.sandboxId())
                            .setMetadata(CriReplies.metadata(c))
                            .setImage(ImageSpec.newBuilder().setImage(c.image()))
                            .setImageRef(c.imageRef())
                            .setImageId(c.imageId())
                            .setState(state)
                            .setCreatedAt(c.createdAtNanos())
                            .putAllLabels(c.labels())
                            .putAllAnnotations(c.annotations()));
        }
        return b.build();
    }

    ContainerStatusResponse status(ContainerStatusRequest r) throws IOException {
        CriContainerRecord c = containers.get(r.getContainerId());
        ContainerInfo info = CriReplies.info(supervisor, c.id());
        ContainerState state = CriReplies.state(info);
        dev.nana.cri.v1.ContainerStatus.Builder st =
                dev.nana.cri.v1.ContainerStatus.newBuilder()
                        .setId(c.id())
                        .setMetadata(CriReplies.metadata(c))
                        .setState(state)
                        .setCreatedAt(c.createdAtNanos())
                        .setImage(ImageSpec.newBuilder().setImage(c.image()))
                        .setImageRef(c.imageRef())
                        .setImageId(c.imageId())
                        .putAllLabels(c.labels())
                        .putAllAnnotations(c.annotations())
                        .setLogPath(c.logPath());
        for (CriContainerRecord.MountRecord m : c.mounts())
            st.addMounts(
                    dev.nana.cri.v1.Mount.newBuilder()
                            .setContainerPath(m.containerPath())
                            .setHostPath(m.hostPath())
                            .setReadonly(m.readonly())
                            .setPropagationValue(m.propagation()));
        long started = startedAt(c.id());
        if (started > 0) st.setStartedAt(started);
        if (info != null && info.exit() != null) {
            ExitStatus exit = info.exit();
            st.setFinishedAt(CriReplies.nanos(exit.exitedAt()));
            st.setExitCode(exit.code());
            st.setReason(
                    exit.oomKilled() || info.oomKills() > 0
                            ? "OOMKilled"
                            : exit.code() == 0 ? "Completed" : "Error");
        } else if (info == null) {
            st.setReason("Unknown").setMessage("nana has no container " + c.id() + " any more");
        }
        ContainerStatusResponse.Builder b = ContainerStatusResponse.newBuilder().setStatus(st);
        if (r.getVerbose() && info != null) {
            b.putInfo(
                    "info",
                    StateFiles.JSON.writeValueAsString(
                            Map.of("pid", info.pid(), "sandboxID", c.sandboxId())));
        }
        return b.build();
    }

    /** When the shim recorded the start (its "started" file), in nanoseconds; 0 if it has not. */
    private long startedAt(String id) {
        try {
            return CriReplies.nanos(
                    Files.getLastModifiedTime(stateDir.resolve(id).resolve("init/started"))
                            .toInstant());
        } catch (IOException e) {
            return 0;
        }
    }

    ExecSyncResponse execSync(ExecSyncRequest r) throws IOException {
        CriContainerRecord c = containers.get(r.getContainerId());
        if (r.getCmdCount() == 0)
            throw new InvalidArgumentException("ExecSync needs a command: give cmd");
        ExecSync.Result res =
                ExecSync.run(supervisor, stateDir, c.id(), r.getCmdList(), r.getTimeout());
        return ExecSyncResponse.newBuilder()
                .setStdout(res.stdout())
                .setStderr(res.stderr())
                .setExitCode(res.exitCode())
                .build();
    }

    /** Labels of a container made with a terminal, and with its stdin open (for Attach). */
    static final String TTY_LABEL = "io.kubernetes.cri.tty";

    static final String STDIN_LABEL = "io.kubernetes.cri.stdin";

    /** The label of a container whose stdin closes when its first attached client's does. */
    static final String STDIN_ONCE_LABEL = "io.kubernetes.cri.stdin-once";

    /** Whether the container was made with stdin_once. */
    boolean stdinOnce(String id) {
        ContainerInfo info = CriReplies.info(supervisor, id);
        return info != null && "true".equals(info.labels().get(STDIN_ONCE_LABEL));
    }

    /**
     * Checks an Attach as the CRI asks (stdin, stdout or stderr; no stderr beside a terminal; tty
     * as the container was made; stdin only to a container made with it) against a running
     * container.
     */
    AttachRequest checkAttach(AttachRequest r) {
        CriContainerRecord c = containers.get(r.getContainerId());
        requireStreams(r.getStdin(), r.getStdout(), r.getStderr(), r.getTty(), "Attach to", c);
        ContainerInfo info = CriReplies.info(supervisor, c.id());
        if (CriReplies.state(info) != ContainerState.CONTAINER_RUNNING)
            throw new FailedPreconditionException(
                    "container "
                            + c.name()
                            + " ("
                            + c.id()
                            + ") is not running: nothing to attach to");
        boolean tty = "true".equals(info.labels().get(TTY_LABEL));
        if (r.getTty() != tty)
            throw new InvalidArgumentException(
                    "Attach to container "
                            + c.name()
                            + " asks for tty "
                            + r.getTty()
                            + ", and it was made with tty "
                            + tty
                            + ": the two must match (the CRI's rule)");
        if (r.getStdin() && !"true".equals(info.labels().get(STDIN_LABEL)))
            throw new FailedPreconditionException(
                    "container "
                            + c.name()
                            + " was made without stdin: attach without stdin, or make it with"
                            + " stdin: true");
        return r.toBuilder().setContainerId(c.id()).build();
    }

    private static void requireStreams(
            boolean stdin,
            boolean stdout,
            boolean stderr,
            boolean tty,
            String call,
            CriContainerRecord c) {
        if (!stdin && !stdout && !stderr)
            throw new InvalidArgumentException(
                    call
                            + " container "
                            + c.name()
                            + " streams nothing: set stdin, stdout or stderr (the CRI asks for one)");
        if (tty && stderr)
            throw new InvalidArgumentException(
                    call
                            + " container "
                            + c.name()
                            + " asks for a terminal and stderr: a terminal carries both on stdout"
                            + " (the CRI refuses stderr with tty)");
    }

    /**
     * Checks an Exec as the CRI asks (a command; stdin, stdout or stderr; no stderr beside a
     * terminal) against a running container; the container's nana id is its CRI id.
     */
    ExecRequest checkExec(ExecRequest r) {
        CriContainerRecord c = containers.get(r.getContainerId());
        if (r.getCmdCount() == 0)
            throw new InvalidArgumentException("Exec needs a command: give cmd");
        requireStreams(r.getStdin(), r.getStdout(), r.getStderr(), r.getTty(), "Exec in", c);
        if (CriReplies.state(CriReplies.info(supervisor, c.id()))
                != ContainerState.CONTAINER_RUNNING)
            throw new FailedPreconditionException(
                    "container "
                            + c.name()
                            + " ("
                            + c.id()
                            + ") is not running: nothing to exec in");
        return r.toBuilder().setContainerId(c.id()).build();
    }

    void updateResources(UpdateContainerResourcesRequest r) {
        CriContainerRecord c = containers.get(r.getContainerId());
        LinuxContainerResources l = r.getLinux();
        Resources.Builder b = Resources.builder();
        if (l.getMemoryLimitInBytes() > 0) b.memoryLimit(l.getMemoryLimitInBytes());
        if (l.getCpuShares() > 0) b.cpuShares(l.getCpuShares());
        if (l.getCpuQuota() != 0 || l.getCpuPeriod() > 0)
            b.cpuQuota(
                    l.getCpuQuota() == 0 ? -1 : l.getCpuQuota(),
                    l.getCpuPeriod() > 0 ? l.getCpuPeriod() : 100_000);
        if (!l.getCpusetCpus().isEmpty()) b.cpusetCpus(l.getCpusetCpus());
        Resources resources = b.build();
        if (!resources.isEmpty()) supervisor.update(c.id(), resources);
    }

    /**
     * ReopenContainerLog: the container's shim reopens its log file at the same path (the kubelet
     * renamed the old one).
     */
    void reopenLog(String id) throws IOException {
        CriContainerRecord c = containers.get(id);
        if (c.logPath().isEmpty())
            throw new dev.nana.FailedPreconditionException(
                    "container " + c.id() + " has no log file: it was created without a log path");
        if (CriReplies.state(CriReplies.info(supervisor, c.id()))
                != ContainerState.CONTAINER_RUNNING)
            throw new dev.nana.FailedPreconditionException(
                    "container " + c.id() + " is not running: its log file is not reopened");
        // its shim reopens the file at the same path (the kubelet renamed the old one)
        Path log = Path.of(c.logPath());
        Object before = logFileKey(c, log);
        try (Fd control =
                LibNana.fifoOpenReadWrite(
                        stateDir.resolve(c.id())
                                .resolve("init")
                                .resolve(ShimProtocol.CONTROL_FIFO))) {
            LibNana.writeFully(control, ShimProtocol.reopenLog());
        }
        // the shim answers nothing: what it did shows at the path. A file that was
        // there is reopened in place; one moved away is made again
        if (before == null) awaitReopened(c, log);
    }

    /**
     * The file at a container's log path (its inode), or null when there is none; anything but a
     * regular file is refused, as the shim refuses it: nana never follows a link planted there.
     */
    private static Object logFileKey(CriContainerRecord c, Path log) throws IOException {
        java.nio.file.attribute.BasicFileAttributes a;
        try {
            a =
                    Files.readAttributes(
                            log,
                            java.nio.file.attribute.BasicFileAttributes.class,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        if (!a.isRegularFile())
            throw new dev.nana.FailedPreconditionException(
                    "the log path \""
                            + log
                            + "\" of container "
                            + c.id()
                            + " is "
                            + (a.isSymbolicLink() ? "a symlink" : "not a regular file")
                            + ": nana writes a container's log only to a regular file it does not"
                            + " reach through a link; move it away and reopen again");
        return a.fileKey();
    }

    /** How long the shim has to make a moved log file again. */
    private static final long REOPEN_MILLIS = 2000;

    private static void awaitReopened(CriContainerRecord c, Path log) throws IOException {
        long deadline = System.nanoTime() + REOPEN_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (logFileKey(c, log) != null) return;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new dev.nana.UnavailableException(
                "the shim of container "
                        + c.id()
                        + " did not reopen its log \""
                        + log
                        + "\" within "
                        + REOPEN_MILLIS
                        + " ms: its folder may be gone or full (the daemon's log says more)");
    }
}
