package dev.nana.it.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nana.ContainerInfo;
import dev.nana.ContainerSpec;
import dev.nana.ContainerStatus;
import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventType;
import dev.nana.ExecSpec;
import dev.nana.ExitStatus;
import dev.nana.NanaException;
import dev.nana.Stdio;
import dev.nana.Subscription;
import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.it.FaultSize;
import dev.nana.it.Fixture;
import dev.nana.it.Leaks;
import dev.nana.it.NanaCli;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Crash anywhere, lose nothing: a churn of run, exec, kill and delete through a real daemon, which
 * is SIGKILLed at random moments (seeded); while it is down some containers are killed behind its
 * back and others end by themselves. After every restart each container the test knows of is where
 * it must be, with the right exit code; at the end every event was delivered exactly once to a
 * subscriber that replays from its last event's time after each crash, and nothing is left: no
 * shim, zombie, runtime state, cgroup, mount, open file or folder.
 */
@Tag("fault")
class CrashAnywhereTest {
    /** How a container ends: killed by us (sleeps until then), or by itself with a code. */
    record Plan(String runtime, Integer exitsWith) {}

    /** What the test knows of one container; "unsure" while a call was cut by a crash. */
    static final class Known {
        final Plan plan;
        volatile boolean unsureCreate = true;
        volatile boolean unsureKill; // a kill (or force delete) was asked, and the answer was cut
        volatile boolean killed;

        /**
         * Killed while down with its run cut short: it may have died before it started (no START,
         * exit 137).
         */
        volatile boolean mayNeverStart;

        volatile boolean unsureDelete;
        volatile boolean deleted;

        Known(Plan plan) {
            this.plan = plan;
        }

        Integer expectedExit() {
            return killed ? Integer.valueOf(137) : plan.exitsWith;
        }
    }

    private final Map<String, Known> known = new ConcurrentHashMap<>();
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    private final Set<String> goneWithoutTrace = ConcurrentHashMap.newKeySet();
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger execsDone = new AtomicInteger();
    private final AtomicInteger killedWhileDown = new AtomicInteger();
    private final AtomicInteger cutCalls = new AtomicInteger();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    /**
     * Ids are unique to a run: what an aborted run left on the host can never pass for this one's.
     */
    private final String runTag = "k" + Long.toHexString(System.nanoTime() & 0xffffff);

    @Test
    @org.junit.jupiter.api.Timeout(
            value = 30,
            unit = TimeUnit.MINUTES) // the full size runs 60 rounds
    void daemonKilledAtRandomMomentsLosesNoContainerNoExitAndNoEvent() throws Exception {
        int rounds = FaultSize.of("rounds", 6, 60);
        Random rnd = new Random(FaultSize.seed("crash-anywhere"));
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            AtomicInteger ids = new AtomicInteger();
            Set<Long> supervisors = ConcurrentHashMap.newKeySet();
            for (int round = 1; round <= rounds; round++) {
                supervisors.add(nana.daemonPid());
                try (Supervisor s = Supervisor.connect(nana.socket)) {
                    Subscription sub = subscribe(s);
                    AtomicBoolean stop = new AtomicBoolean();
                    List<Thread> churn = new ArrayList<>();
                    for (int t = 0; t < 3; t++) {
                        Random r = new Random(rnd.nextLong());
                        churn.add(Thread.ofPlatform().start(() -> churn(s, r, stop, ids)));
                    }
                    Thread.sleep(300 + rnd.nextInt(1500));
                    nana.killDaemon(); // at whatever moment the churn is in
                    stop.set(true);
                    for (Thread t : churn) t.join(TimeUnit.SECONDS.toMillis(60));
                    sub.close();
                    if (!failures.isEmpty())
                        throw new AssertionError("a churn thread failed", failures.get(0));
                }
                // while it is down: kill some sleepers behind its back; let others end
                for (var e : known.entrySet()) {
                    Known k = e.getValue();
                    if (k.plan.exitsWith == null
                            && !k.killed
                            && !k.deleted
                            && rnd.nextInt(4) == 0) {
                        Process p =
                                new ProcessBuilder(k.plan.runtime, "kill", e.getKey(), "KILL")
                                        .redirectErrorStream(true)
                                        .start();
                        if (p.waitFor() == 0) {
                            k.killed = true;
                            k.mayNeverStart |= k.unsureCreate;
                            killedWhileDown.incrementAndGet();
                        }
                    }
                }
                Thread.sleep(rnd.nextInt(700));
                nana.startDaemon();
                try (Supervisor s = Supervisor.connect(nana.socket)) {
                    Subscription sub = subscribe(s);
                    check(s, nana, round, supervisors);
                    sub.close();
                }
            }
            // the end: everything force-deleted, then nothing may be left
            try (Supervisor s = Supervisor.connect(nana.socket)) {
                Subscription sub = subscribe(s);
                for (ContainerInfo c : s.list()) {
                    s.delete(c.id(), true);
                    Known k = known.get(c.id());
                    if (k != null) { // self-ending ones have all ended: check() waited for them
                        if (c.status() != ContainerStatus.STOPPED) k.killed = true;
                        k.deleted = true;
                    }
                }
                awaitEvents(
                        known.keySet().stream()
                                .filter(id -> !goneWithoutTrace.contains(id))
                                .collect(Collectors.toSet()));
                sub.close();
            }
            assertExactlyOnce();
            Set<String> all = known.keySet();
            assertEquals(List.of(), Leaks.shims(nana.stateDir), "no shim left");
            assertEquals(List.of(), Leaks.zombies(supervisors), "no zombie");
            assertEquals(
                    List.of(),
                    Leaks.settled(() -> Leaks.runtimeState(all)),
                    "no runtime state left");
            assertEquals(List.of(), Leaks.settled(() -> Leaks.cgroups(all)), "no cgroup left");
            assertEquals(List.of(), Leaks.mounts(nana.stateDir), "no mount left");
            assertEquals(
                    List.of(),
                    Leaks.openFiles(nana.daemonPid(), nana.stateDir),
                    "no file of a container held open");
            assertEquals(
                    List.of(),
                    Leaks.settled(() -> Leaks.stateFolders(nana.stateDir)),
                    "no folder left");
            System.out.printf(
                    "crash-anywhere: %d rounds, %d daemon SIGKILLs, %d containers (%d created for sure, %d cut short"
                            + " without a trace), %d killed while the daemon was down, %d execs, %d calls cut by a crash,"
                            + " %d events each delivered once, 0 lost%n",
                    rounds,
                    rounds,
                    all.size(),
                    all.size() - goneWithoutTrace.size(),
                    goneWithoutTrace.size(),
                    killedWhileDown.get(),
                    execsDone.get(),
                    cutCalls.get(),
                    events.size());
        }
    }

    /**
     * One churn thread: random calls until the daemon is gone. A call that fails leaves its
     * "unsure" marks: check() settles them by what the restarted daemon lists.
     */
    private void churn(Supervisor s, Random r, AtomicBoolean stop, AtomicInteger ids) {
        while (!stop.get()) {
            int op = r.nextInt(10);
            try {
                if (op < 4 || known.values().stream().filter(k -> !k.deleted).count() < 4) {
                    runOne(s, r, ids);
                } else {
                    String id = pick(r);
                    if (id == null) continue;
                    try {
                        act(s, id, op, stop);
                    } finally {
                        busy.remove(id);
                    }
                }
            } catch (RuntimeException e) {
                Throwable cause =
                        e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof UnavailableException
                        && !cause.getMessage().contains("unexpected failure")) {
                    cutCalls.incrementAndGet(); // the daemon died under the call: this thread is
                    // done
                    return;
                } else if (!(cause
                        instanceof
                        NanaException)) { // a refusal of the moment (it exited meanwhile) is fine
                    failures.add(cause);
                    return;
                }
            } catch (AssertionError e) {
                failures.add(e);
                return;
            }
        }
    }

    /**
     * A remote wait outlives the daemon (it is asked again once a daemon answers), but this round's
     * daemon comes back only after the churn ends: once the round stops, the wait counts as a call
     * the crash cut.
     */
    private static ExitStatus awaitUnlessStopped(
            CompletableFuture<ExitStatus> f, AtomicBoolean stop) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return f.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (stop.get()) {
                    f.cancel(true);
                    throw new UnavailableException("the daemon died under the wait");
                }
                if (System.nanoTime() > deadline) throw new AssertionError("no exec exit in 30 s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw new AssertionError(e.getCause());
            }
        }
    }

    private void runOne(Supervisor s, Random r, AtomicInteger ids) {
        String id = runTag + "-" + ids.incrementAndGet();
        Integer exits = r.nextInt(3) == 0 ? r.nextInt(1, 120) : null;
        Plan plan = new Plan(r.nextBoolean() ? "runc" : "crun", exits);
        Known k = new Known(plan);
        known.put(id, k);
        busy.add(id);
        try {
            List<String> args =
                    exits == null
                            ? List.of("sleep", "1000")
                            : List.of("sh", "-c", "sleep 0." + r.nextInt(1, 9) + "; exit " + exits);
            s.run(
                    ContainerSpec.builder(id, Fixture.demoBundle())
                            .runtime(plan.runtime)
                            .args(args.toArray(String[]::new))
                            .build());
            k.unsureCreate = false;
        } finally {
            busy.remove(id);
        }
    }

    private void act(Supervisor s, String id, int op, AtomicBoolean stop) {
        Known k = known.get(id);
        ContainerInfo c = s.state(id);
        if (op < 6 && c.status() == ContainerStatus.RUNNING && k.plan.exitsWith == null) {
            k.unsureKill = true;
            s.kill(id, 9, false);
            k.killed = true;
            k.unsureKill = false;
        } else if (op < 8 && c.status() == ContainerStatus.RUNNING && k.plan.exitsWith == null) {
            var exec =
                    s.exec(
                            id,
                            new ExecSpec(
                                    null,
                                    List.of("sh", "-c", "exit 3"),
                                    List.of(),
                                    null,
                                    null,
                                    false,
                                    Stdio.NONE,
                                    0,
                                    0));
            ExitStatus st = awaitUnlessStopped(s.waitForExec(id, exec.execId()), stop);
            assertEquals(3, st.code(), "exec exit code in " + id);
            execsDone.incrementAndGet();
        } else if (c.status() == ContainerStatus.STOPPED || k.plan.exitsWith == null) {
            boolean force = c.status() != ContainerStatus.STOPPED;
            k.unsureDelete = true;
            k.unsureKill = force;
            s.delete(id, force);
            if (force) k.killed = true;
            k.deleted = true;
            k.unsureDelete = false;
            k.unsureKill = false;
        }
    }

    /** A container no other churn thread works on, claimed; null if none. */
    private String pick(Random r) {
        List<String> free =
                known.entrySet().stream()
                        .filter(
                                e ->
                                        !e.getValue().deleted
                                                && !e.getValue().unsureCreate
                                                && !busy.contains(e.getKey()))
                        .map(Map.Entry::getKey)
                        .sorted()
                        .toList();
        if (free.isEmpty()) return null;
        String id = free.get(r.nextInt(free.size()));
        return busy.add(id) ? id : null;
    }

    /**
     * Subscribes, replaying from the last event seen: the test's own exactly-once client. A dead
     * stream's late deliveries are dropped (under the same lock), the new one replays them.
     */
    private Subscription subscribe(Supervisor s) {
        int gen;
        Instant since;
        synchronized (events) {
            gen = generation.incrementAndGet();
            since = events.isEmpty() ? Instant.EPOCH : events.get(events.size() - 1).time();
        }
        return s.subscribe(
                EventFilter.ALL,
                since,
                e -> {
                    synchronized (events) {
                        if (generation.get() == gen) events.add(e);
                    }
                });
    }

    /** After a restart: every container where it must be. */
    private void check(Supervisor s, NanaCli nana, int round, Set<Long> supervisors)
            throws Exception {
        Map<String, ContainerInfo> listed =
                s.list().stream().collect(Collectors.toMap(ContainerInfo::id, c -> c));
        for (var e : known.entrySet()) {
            String id = e.getKey();
            Known k = e.getValue();
            ContainerInfo c = listed.get(id);
            if (k.unsureCreate) { // the run was cut by the crash: it exists whole, or not at all
                if (c == null) {
                    assertTrue(
                            !Files.exists(nana.stateDir.resolve(id)),
                            id + ": a create cut short leaves no folder");
                    waitFor(
                            () -> Leaks.runtimeState(Set.of(id)).isEmpty(),
                            () ->
                                    id
                                            + " ("
                                            + k.plan
                                            + "): a create cut short leaves"
                                            + " no runtime state, but "
                                            + Leaks.runtimeState(Set.of(id))
                                            + " remains; processes: "
                                            + ProcessHandle.allProcesses()
                                                    .filter(
                                                            p ->
                                                                    p.info()
                                                                            .commandLine()
                                                                            .orElse("")
                                                                            .contains(id))
                                                    .map(
                                                            p ->
                                                                    p.pid()
                                                                            + " "
                                                                            + p.info()
                                                                                    .commandLine()
                                                                                    .orElse(""))
                                                    .toList()
                                            + "; state dir: "
                                            + Leaks.stateFolders(nana.stateDir));
                    goneWithoutTrace.add(id);
                    k.deleted = true;
                }
                k.unsureCreate = false;
                continue;
            }
            if (k.deleted && !k.unsureDelete) {
                assertTrue(c == null, "round " + round + ": deleted " + id + " is listed again");
                continue;
            }
            if (k.unsureDelete) {
                k.unsureDelete = false;
                if (c == null) {
                    k.deleted = true;
                    k.unsureKill = false;
                    continue;
                }
                k.deleted = false;
            }
            if (k.unsureKill && c != null) { // a sleeper stops only when killed
                k.killed |= c.status() == ContainerStatus.STOPPED;
                k.unsureKill = false;
            }
            if (c == null)
                fail(
                        "round "
                                + round
                                + ": "
                                + id
                                + " ("
                                + k.plan
                                + ") is lost: not listed after the restart");
        }
        // every exit that happened, or will, has the right code
        for (var e : known.entrySet()) {
            Known k = e.getValue();
            if (k.deleted || k.expectedExit() == null) continue;
            ExitStatus st = s.waitForExit(e.getKey()).orTimeout(30, TimeUnit.SECONDS).join();
            if (k.expectedExit() != st.code()) {
                fail(
                        "round "
                                + round
                                + ": exit code of "
                                + e.getKey()
                                + " "
                                + k.plan
                                + ": expected "
                                + k.expectedExit()
                                + ", got "
                                + st
                                + "; what the daemons logged of it:\n"
                                + nana.daemonLog()
                                        .lines()
                                        .filter(l -> l.contains(e.getKey()))
                                        .collect(Collectors.joining("\n")));
            }
        }
        // sleepers nobody killed still run
        for (var e : known.entrySet()) {
            Known k = e.getValue();
            if (k.deleted || k.expectedExit() != null) continue;
            assertEquals(
                    ContainerStatus.RUNNING,
                    s.state(e.getKey()).status(),
                    "round " + round + ": " + e.getKey() + " runs");
        }
        // a shim for each live container, and none for the others; no zombie
        long live = s.list().stream().filter(c -> c.status() != ContainerStatus.STOPPED).count();
        waitFor(
                () ->
                        Leaks.shims(nana.stateDir).size() == live
                                && Leaks.zombies(supervisors).isEmpty(),
                () ->
                        "round "
                                + round
                                + ": "
                                + live
                                + " live containers, shims "
                                + Leaks.shims(nana.stateDir)
                                + ", "
                                + Leaks.zombies(supervisors));
    }

    /** Waits until every container's DELETE event (the last of its life) has arrived. */
    private void awaitEvents(Set<String> ids) throws InterruptedException {
        waitFor(
                () ->
                        ids.stream()
                                .allMatch(
                                        id ->
                                                events.stream()
                                                        .anyMatch(
                                                                e ->
                                                                        e.id().equals(id)
                                                                                && e.type()
                                                                                        == EventType
                                                                                                .DELETE)),
                () ->
                        "DELETE events missing for "
                                + ids.stream()
                                        .filter(
                                                id ->
                                                        events.stream()
                                                                .noneMatch(
                                                                        e ->
                                                                                e.id().equals(id)
                                                                                        && e.type()
                                                                                                == EventType
                                                                                                        .DELETE))
                                        .toList());
    }

    private void assertExactlyOnce() {
        Map<String, Map<EventType, List<Event>>> byId = new HashMap<>();
        for (Event e : events) {
            if (!e.process().equals("init")) continue;
            byId.computeIfAbsent(e.id(), x -> new HashMap<>())
                    .computeIfAbsent(e.type(), x -> new ArrayList<>())
                    .add(e);
        }
        for (var entry : known.entrySet()) {
            String id = entry.getKey();
            Map<EventType, List<Event>> got = byId.getOrDefault(id, Map.of());
            if (goneWithoutTrace.contains(id)) {
                assertEquals(Map.of(), got, id + " never existed: no event");
                continue;
            }
            for (EventType t :
                    List.of(EventType.CREATE, EventType.START, EventType.EXIT, EventType.DELETE)) {
                int n = got.getOrDefault(t, List.of()).size();
                if (t == EventType.START && entry.getValue().mayNeverStart && n == 0)
                    continue; // killed before it started
                assertEquals(
                        1,
                        n,
                        id
                                + " "
                                + entry.getValue().plan
                                + ": "
                                + t
                                + " exactly once, got "
                                + got.getOrDefault(t, List.of()));
            }
            Integer expected = entry.getValue().expectedExit();
            if (expected != null) {
                assertEquals(
                        expected,
                        got.get(EventType.EXIT).get(0).exitCode(),
                        id + ": the EXIT event's code");
            }
        }
        long seqs = events.stream().map(Event::seq).distinct().count();
        assertEquals(events.size(), seqs, "no event delivered twice");
    }

    private static void waitFor(BooleanSupplier done, Supplier<String> what) {
        try {
            await().atMost(Duration.ofSeconds(20))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(20))
                    .until(done::getAsBoolean);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            fail(what.get());
        }
    }
}
