package dev.nana.cli;

import dev.nana.ClientIo;
import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.client.RemoteSupervisor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How a command reaches nana: the daemon when one listens on --address, else a supervisor in this
 * process for this one command (it waits briefly for another CLI's to finish, and closes at once,
 * leaving containers running: a later daemon restores them).
 */
final class Nana {
    /**
     * A CLI waits this long for another CLI's in-process supervisor to let go of the state
     * directory.
     */
    static final Duration LOCK_WAIT = Duration.ofSeconds(30);

    private Nana() {}

    /**
     * Whether a daemon accepts connections on the socket (a stale socket file does not). A socket
     * this user may not open is an error that says so, not a reason to go in-process.
     */
    static boolean daemonListening(Path socket) {
        if (!Files.exists(socket)) return false;
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return ch.isConnected();
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("Permission denied")) {
                throw new UnavailableException(
                        "permission denied on the nana daemon's socket \""
                                + socket
                                + "\": run as root, or as a member of the daemon's --group");
            }
            return false;
        }
    }

    /**
     * The daemon if one listens, else an in-process supervisor. While another holds the state
     * directory — a CLI, or a daemon still restoring before it listens — this waits, and goes to
     * the daemon as soon as it answers.
     */
    static Supervisor open(NanaCommand nana) {
        if (nana.io.daemonSupervisor != null) return new Borrowed(nana.io.daemonSupervisor);
        GlobalOptions g = nana.global;
        long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
        ClientIo io = null;
        while (true) {
            if (daemonListening(g.address)) return RemoteSupervisor.connect(g.address);
            if (io == null) io = io(nana);
            if (io.lockHolder().isEmpty() || System.nanoTime() > deadline) {
                // asked for a daemon by name: in-process would show another nana's state
                if (g.addressGiven)
                    throw new UnavailableException(
                            "no nana daemon answers on --address \""
                                    + g.address
                                    + "\": start one there (nana daemon --socket "
                                    + g.address
                                    + "), or leave --address out to work in-process on"
                                    + " --state-dir");
                return local(nana);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return local(nana);
            }
        }
    }

    /**
     * The state directory the containers live in: the daemon's own for a command forwarded to it,
     * else --state-dir (which must then match the daemon's, when one is used).
     */
    static Path stateDir(NanaCommand nana) {
        return nana.io.daemonStateDir != null ? nana.io.daemonStateDir : nana.global.stateDir;
    }

    /**
     * The client's side of the containers in {@link #stateDir}: FIFOs, and what a command does
     * straight through a container's shim (attach, resize, close stdin, wait, logs, the journal).
     */
    static ClientIo io(NanaCommand nana) {
        return ClientIo.of(stateDir(nana));
    }

    /**
     * Whether s works in this process for this one command (it holds the state directory: close it
     * as soon as the container runs, and go on through {@link #io}).
     */
    static boolean inProcess(Supervisor s) {
        return !(s instanceof RemoteSupervisor) && !(s instanceof Borrowed);
    }

    /** The daemon's own supervisor, lent to a forwarded command: closing it closes nothing. */
    record Borrowed(Supervisor s) implements Supervisor {
        @Override
        public dev.nana.ContainerInfo create(dev.nana.ContainerSpec spec) {
            return s.create(spec);
        }

        @Override
        public dev.nana.ContainerInfo start(String id) {
            return s.start(id);
        }

        @Override
        public InputStream output(String id) {
            return s.output(id);
        }

        @Override
        public InputStream attachOutput(String id) {
            return s.attachOutput(id);
        }

        @Override
        public OutputStream input(String id) {
            return s.input(id);
        }

        @Override
        public dev.nana.ContainerInfo run(dev.nana.ContainerSpec spec) {
            return s.run(spec);
        }

        @Override
        public dev.nana.ContainerInfo pause(String id) {
            return s.pause(id);
        }

        @Override
        public dev.nana.ExecInfo exec(String id, dev.nana.ExecSpec spec) {
            return s.exec(id, spec);
        }

        @Override
        public dev.nana.ExecHandle launch(String id, dev.nana.ExecSpec spec) {
            return s.launch(id, spec);
        }

        @Override
        public CompletableFuture<dev.nana.ExitStatus> waitForExec(String id, String execId) {
            return s.waitForExec(id, execId);
        }

        @Override
        public void checkpoint(String id, Path image, boolean leave, Path criu) {
            s.checkpoint(id, image, leave, criu);
        }

        @Override
        public dev.nana.ContainerInfo restore(dev.nana.ContainerSpec spec, Path image, Path criu) {
            return s.restore(spec, image, criu);
        }

        @Override
        public dev.nana.ContainerInfo update(String id, dev.nana.Resources r) {
            return s.update(id, r);
        }

        @Override
        public dev.nana.Stats stats(String id) {
            return s.stats(id);
        }

        @Override
        public dev.nana.ContainerInfo resume(String id) {
            return s.resume(id);
        }

        @Override
        public void kill(String id, int signal, boolean all) {
            s.kill(id, signal, all);
        }

        @Override
        public void delete(String id, boolean force) {
            s.delete(id, force);
        }

        @Override
        public void remove(String id) {
            s.remove(id);
        }

        @Override
        public List<dev.nana.ContainerInfo> list() {
            return s.list();
        }

        @Override
        public dev.nana.ContainerInfo state(String id) {
            return s.state(id);
        }

        @Override
        public CompletableFuture<dev.nana.ExitStatus> waitForExit(String id) {
            return s.waitForExit(id);
        }

        @Override
        public dev.nana.Subscription subscribe(
                dev.nana.EventFilter f, Instant since, dev.nana.EventSubscriber l) {
            return s.subscribe(f, since, l);
        }

        @Override
        public void attach(String id, dev.nana.Stdio stdio) {
            s.attach(id, stdio);
        }

        @Override
        public void resize(String id, String execId, int rows, int columns) {
            s.resize(id, execId, rows, columns);
        }

        @Override
        public void closeInput(String id, String execId) {
            s.closeInput(id, execId);
        }

        @Override
        public void close() {}
    }

    /**
     * A supervisor in this process for one command. Its default runtime is the CLI's own
     * (NANA_RUNTIME, else runc), for the containers it restores that name none.
     */
    static Supervisor local(NanaCommand nana) {
        return Supervisor.builder()
                .stateDir(nana.global.stateDir)
                .defaultRuntime(nana.io.env("NANA_RUNTIME", "runc"))
                .lockWait(LOCK_WAIT)
                .build();
    }
}
