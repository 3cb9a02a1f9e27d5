package dev.nana.supervisor;

import dev.nana.ContainerId;
import dev.nana.ContainerStatus;
import dev.nana.EventType;
import dev.nana.NanaException;
import dev.nana.supervisor.events.Journal;
import dev.nana.supervisor.os.OsException;
import dev.nana.supervisor.runtime.CgroupLayout;
import dev.nana.supervisor.runtime.OciRuntime;
import dev.nana.supervisor.shim.ProcessDir;
import dev.nana.supervisor.shim.ShimExit;
import dev.nana.supervisor.shim.ShimHandle;
import dev.nana.supervisor.state.ContainerRecord;
import dev.nana.supervisor.state.Reported;
import dev.nana.supervisor.state.StateDir;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the container table from the state directory when a supervisor starts, before its event
 * loop takes any request: "managing state is easy when you don't have any".
 *
 * <p>For each container folder: a shim that still lives is watched again (its exit FIFO opened
 * before its liveness is checked, so no exit slips between); a shim that died meanwhile left
 * exitStatus (or gets a derived status); a create that never finished is removed without a trace.
 * Events the folder shows but its "reported" file does not — an exit or OOM kill while no
 * supervisor ran — are published now, unless the journal already has them (a crash between
 * journaling and recording). A folder that cannot be read is moved aside to {@code .trash/} with a
 * warning; it never stops the supervisor.
 */
final class Restorer {
    private static final Logger log = LoggerFactory.getLogger(Restorer.class);
    static final String TRASH = ".trash";

    /** How long a shim caught mid-create may take to get its container created. */
    private static final Duration CREATE_GRACE = Duration.ofSeconds(30);

    private final StateDir state;
    private final EventLoop loop;
    private final Journal journal;
    private final Launcher launcher;
    private final Duration runtimeTimeout;
    private final Set<String> journaled = new HashSet<>();

    Restorer(
            StateDir state,
            EventLoop loop,
            Journal journal,
            Launcher launcher,
            Duration runtimeTimeout) {
        this.state = state;
        this.loop = loop;
        this.journal = journal;
        this.launcher = launcher;
        this.runtimeTimeout = runtimeTimeout;
    }

    /**
     * Restores every container; returns how many. Runs on the constructing thread before the loop
     * starts, and tells the loop what it finds only by posting tasks (Adopt, ExitRead, Deleted),
     * which the loop handles before any request.
     */
    int restore() throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(state.root())) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        readJournal(dirs);
        int restored = 0;
        for (Path dir : dirs) {
            String name = dir.getFileName().toString();
            if (name.startsWith(Launcher.DELETING)) {
                finishDelete(dir);
                continue;
            }
            // .trash, .stdio, .cri: no container id starts with a dot
            if (!StateDir.isContainerFolderName(name)) continue;
            try {
                if (restoreOne(dir)) restored++;
            } catch (IOException | RuntimeException e) {
                setAside(dir, e.toString());
            }
        }
        return restored;
    }

    /**
     * Learns what the journal told of the containers in dirs, and only of them: a full journal
     * holds ~240,000 events, mostly of containers long gone, more than a daemon's heap would hold
     * as keys.
     */
    private void readJournal(List<Path> dirs) throws IOException {
        Set<String> uids = new HashSet<>();
        for (Path dir : dirs) {
            try {
                String uid =
                        StateFiles.read(dir.resolve("state.json"), ContainerRecord.class).uid();
                if (uid != null) uids.add(uid);
            } catch (IOException | RuntimeException e) {
                // restoreOne and finishDelete deal with it
            }
        }
        if (uids.isEmpty()) return;
        journal.scan(
                e -> {
                    if (uids.contains(e.uid()))
                        journaled.add(key(e.uid(), e.process(), e.type(), e.n()));
                    return true;
                });
    }

    private boolean restoreOne(Path dir) throws IOException {
        String name = dir.getFileName().toString();
        ContainerRecord record;
        if (!Files.exists(dir.resolve("state.json")) && !Files.exists(dir.resolve(Proc.INIT))) {
            // claimed, then the supervisor stopped before writing anything: no shim was spawned
            log.info("container {} was being created when its supervisor stopped: removed", name);
            Launcher.removeQuietly(dir);
            return false;
        }
        try {
            record = StateFiles.read(dir.resolve("state.json"), ContainerRecord.class);
        } catch (IOException e) {
            evict(dir, "state.json unreadable: " + e.getMessage());
            return false;
        }
        if (record.id() == null || !record.id().equals(name) || record.uid() == null) {
            evict(
                    dir,
                    "state.json names \"" + record.id() + "\", not the folder's \"" + name + "\"");
            return false;
        }
        ContainerId.require(record.id(), "container id");
        OciRuntime runtime = runtimeOf(record);
        ProcessDir init = new ProcessDir(dir.resolve(Proc.INIT));
        Optional<ShimHandle> shim =
                Files.isDirectory(init.dir())
                        ? attachWhenCreated(init, record.id())
                        : Optional.empty();
        if (shim.isEmpty() && (!Files.isDirectory(init.dir()) || init.pid().isEmpty())) {
            // the shim is gone and no process was ever created: a create cut short
            log.info(
                    "container {} was being created when its supervisor stopped: removed",
                    record.id());
            try {
                runtime.delete(
                        record.id(), record.runtimeArgs(), true); // it never existed: no event
                Launcher.removeQuietly(launcher.retire(record.id()));
            } catch (NanaException e) {
                setAside(dir, "half-created and cannot be removed: " + e.getMessage());
            }
            return false;
        }
        boolean started = Files.exists(init.startedFile());
        ContainerStatus status =
                !started
                        ? ContainerStatus.CREATED
                        : shim.isPresent() && Files.exists(init.pausedFile())
                                ? ContainerStatus.PAUSED
                                : ContainerStatus.RUNNING;
        LoopContainer c = new LoopContainer(record, runtime, dir, status);
        // a live shim is watched again; a gone one exited (or, without exitStatus, is made to)
        ShimExit initExit = shim.isPresent() ? null : ShimExit.of(init);
        found(c, c.init, shim);
        List<Task> exits = restoreExecs(c);
        loop.post(new Task.Adopt(c, initExit == null ? init.oomKills() : initExit.oomKills()));
        exits.forEach(loop::post); // exec exits are told before the init's
        if (initExit != null) loop.post(new Task.ExitRead(c.id(), Proc.INIT, initExit));
        log.debug("container restored id={}", record.id());
        return true;
    }

    /**
     * The container's exec processes: a live one is watched again (by adopt); for one that exited
     * while no supervisor ran, the exit to post after the container's adoption.
     */
    private List<Task> restoreExecs(LoopContainer c) throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(c.dir)) {
            dirs =
                    s.filter(Files::isDirectory)
                            .filter(
                                    d -> {
                                        String n = d.getFileName().toString();
                                        return !n.equals(Proc.INIT)
                                                && !n.equals("bundle")
                                                && Files.exists(d.resolve("process.json"));
                                    })
                            .sorted()
                            .toList();
        }
        List<Task> exits = new ArrayList<>();
        for (Path d : dirs) {
            Proc p = c.add(d.getFileName().toString());
            Optional<ShimHandle> shim =
                    attachWhenYoung(p.dir, c.id(), System.nanoTime() + CREATE_GRACE.toNanos());
            found(c, p, shim);
            if (shim.isEmpty()) exits.add(new Task.ExitRead(c.id(), p.id, ShimExit.of(p.dir)));
        }
        return exits;
    }

    /**
     * A process as its folder shows it: its shim if it lives, its pid, and what was told of it
     * (folder and journal).
     */
    private void found(LoopContainer c, Proc p, Optional<ShimHandle> shim) {
        p.shim = shim.orElse(null);
        p.pid = p.dir.pid().orElse(0);
        p.reported = told(c.record.uid(), p.id, p.dir.reported());
    }

    /**
     * What was told of a process: its "reported" file, plus what the journal has that the file
     * missed (a crash between journaling an event and recording it).
     */
    private Reported told(String uid, String process, Reported r) {
        if (!r.create() && journaled.contains(key(uid, process, EventType.CREATE, null)))
            r = r.withCreate();
        if (!r.start() && journaled.contains(key(uid, process, EventType.START, null)))
            r = r.withStart();
        int oom = r.oom();
        while (journaled.contains(key(uid, process, EventType.OOM, oom + 1))) oom++;
        r = r.withOom(oom);
        if (!r.exit() && journaled.contains(key(uid, process, EventType.EXIT, null)))
            r = r.withExit();
        return r;
    }

    /**
     * The shim, if it lives; one caught mid-create is given time to finish creating, and one so
     * young that it has not yet recorded itself is found by its cwd and waited for.
     */
    private Optional<ShimHandle> attachWhenCreated(ProcessDir init, String id) throws OsException {
        long deadline = System.nanoTime() + CREATE_GRACE.toNanos();
        while (true) {
            Optional<ShimHandle> shim = attachWhenYoung(init, id, deadline);
            // a live shim has no exitStatus (attach counts one that wrote it as gone): only the pid
            // tells; and a run's shim (--start-now) starts its process itself, right after the
            // create: caught between the two, it is given its moment, so that a container whose
            // run was asked for is restored running, not created
            if (shim.isEmpty()) return shim;
            boolean created = init.pid().isPresent();
            if (created && (Files.exists(init.startedFile()) || !startsItself(init))) return shim;
            if (created && System.nanoTime() > deadline) return shim;
            shim.get().close();
            if (System.nanoTime() > deadline) return Optional.empty();
            sleep();
        }
    }

    /** Whether the process's shim was told to start it right after its create (a run). */
    private static boolean startsItself(ProcessDir dir) {
        return dir.shimCommandLine().map(argv -> argv.contains("--start-now")).orElse(false);
    }

    /**
     * A process's shim, if it lives; one so young that it has not yet recorded itself (the
     * supervisor died just after spawning it) is found by its cwd and waited for until the
     * deadline, so that a process under way is not taken for one that ended without a status.
     */
    private static Optional<ShimHandle> attachWhenYoung(ProcessDir dir, String id, long deadline)
            throws OsException {
        while (true) {
            Optional<ShimHandle> shim = ShimHandle.attach(dir, id);
            if (shim.isPresent()
                    || dir.shim().isPresent()
                    || dir.liveShimByCwd().isEmpty()
                    || System.nanoTime() > deadline) {
                return shim;
            }
            sleep();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private OciRuntime runtimeOf(ContainerRecord r) {
        try {
            return OciRuntime.resolve(r.runtime()).withTimeout(runtimeTimeout);
        } catch (NanaException e) {
            // resolvable when created; use what it resolved to then
            boolean crun = r.runtimeBinary().getFileName().toString().startsWith("crun");
            return new OciRuntime(
                    r.runtime(),
                    r.runtimeBinary(),
                    crun && CgroupLayout.detect() == CgroupLayout.HYBRID,
                    runtimeTimeout);
        }
    }

    /**
     * A delete cut after its commit point (the folder retired): journals its DELETE unless the
     * journal has it, then removes the folder. The event comes once whatever the moment.
     */
    private void finishDelete(Path dir) {
        ContainerRecord r;
        try {
            r = StateFiles.read(dir.resolve("state.json"), ContainerRecord.class);
        } catch (IOException | RuntimeException e) {
            // its removal had begun, which comes only after its DELETE was journaled and its
            // runtime state deleted
            log.debug(
                    "a retired container folder {} is half removed ({}): removing the rest",
                    dir,
                    e.toString());
            Launcher.removeQuietly(dir);
            return;
        }
        if (!journaled.contains(key(r.uid(), Proc.INIT, EventType.DELETE, null)))
            loop.post(new Task.Deleted(r.id(), r.uid()));
        launcher.forget(
                r.id(),
                runtimeOf(r),
                r.runtimeArgs(),
                dir,
                Runnable::run); // the runtime's state may be left
    }

    private static String key(String uid, String process, EventType type, Integer n) {
        return uid + "/" + process + "/" + type + "/" + n;
    }

    /**
     * A folder whose state.json cannot be trusted, of a container that may still run: its container
     * is killed and deleted through the runtime (the live shim's command line names the runtime and
     * its arguments; with the shim gone, the process is killed by its recorded pid and start time,
     * and runc and crun are asked to forget the id), its DELETE is journaled, and the folder set
     * aside. Left alone it would run on unseen, its id taken in the runtime, and no exit would ever
     * be told.
     */
    private void evict(Path dir, String why) {
        String id = dir.getFileName().toString();
        ProcessDir init = new ProcessDir(dir.resolve(Proc.INIT));
        List<OciRuntime> runtimes = new ArrayList<>();
        List<String> runtimeArgs = List.of();
        Optional<List<String>> shimArgv = init.shimCommandLine();
        if (shimArgv.isPresent()) {
            List<String> argv = shimArgv.get();
            List<String> args = new ArrayList<>();
            for (int i = 0; i + 1 < argv.size(); i++) {
                if (argv.get(i).equals("--runtime"))
                    runtimes.add(
                            new OciRuntime(
                                    argv.get(i + 1),
                                    Path.of(argv.get(i + 1)),
                                    false,
                                    runtimeTimeout));
                if (argv.get(i).equals("--runtime-arg")) args.add(argv.get(i + 1));
            }
            runtimeArgs = args;
        }
        if (runtimes.isEmpty()) {
            for (String name : List.of("runc", "crun")) {
                try {
                    runtimes.add(OciRuntime.resolve(name).withTimeout(runtimeTimeout));
                } catch (NanaException e) {
                    // not installed: it holds nothing
                }
            }
        }
        // with its shim gone, a process that outlived it is killed by its recorded pid and start
        // time
        if (shimArgv.isEmpty() && init.pid().isPresent() && init.exitStatus().isEmpty())
            ShimExit.of(init);
        for (OciRuntime rt : runtimes) {
            try {
                rt.kill(id, runtimeArgs, 9, true);
            } catch (NanaException e) {
                // not this runtime's, or stopped already
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (init.shimAlive() && System.nanoTime() < deadline)
            sleep(); // the shim records the exit and goes
        for (OciRuntime rt : runtimes) {
            try {
                rt.delete(id, runtimeArgs, true);
            } catch (NanaException e) {
                log.debug("evict {}: {} delete: {}", id, rt.name(), e.getMessage());
            }
        }
        loop.post(new Task.Deleted(id, UNREADABLE_UID));
        log.warn(
                "container {}: {}: killed and deleted through {}",
                id,
                why,
                runtimes.stream().map(OciRuntime::name).toList());
        setAside(dir, why);
    }

    /** The uid journaled for a container whose state.json (and so its uid) could not be read. */
    static final String UNREADABLE_UID = "unreadable";

    private void setAside(Path dir, String why) {
        Path trash = state.root().resolve(TRASH);
        Path target = trash.resolve(dir.getFileName() + "." + Instant.now().toEpochMilli());
        try {
            Files.createDirectories(trash);
            Files.setPosixFilePermissions(trash, PosixFilePermissions.fromString("rwx------"));
            Files.move(dir, target);
            log.warn("state folder {} is unreadable ({}): moved to {}", dir, why, target);
        } catch (IOException e) {
            log.warn(
                    "state folder {} is unreadable ({}) and cannot be moved aside: {}",
                    dir,
                    why,
                    e.getMessage());
        }
    }

    /** For tests: what restore would set aside. */
    static List<String> trashed(StateDir state) throws IOException {
        Path trash = state.root().resolve(TRASH);
        if (!Files.isDirectory(trash)) return List.of();
        try (Stream<Path> s = Files.list(trash)) {
            return new ArrayList<>(s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
