package dev.nana.cli;

import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.client.RemoteSupervisor;
import dev.nana.supervisor.LocalSupervisor;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How a command reaches nana: the daemon when one listens on --address, else a supervisor
 * in this process for this one command (it waits briefly for another CLI's to finish, and
 * closes at once, leaving containers running: a later daemon restores them).
 */
final class Nana {
    /** A CLI waits this long for another CLI's in-process supervisor to let go of the state directory. */
    static final Duration LOCK_WAIT = Duration.ofSeconds(30);

    private Nana() {}

    /**
     * Whether a daemon accepts connections on the socket (a stale socket file does not). A
     * socket this user may not open is an error that says so, not a reason to go in-process.
     */
    static boolean daemonListening(Path socket) {
        if (!Files.exists(socket)) return false;
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return ch.isConnected();
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("Permission denied")) {
                throw new UnavailableException("permission denied on the nana daemon's socket \"" + socket
                        + "\": run as root, or as a member of the daemon's --group");
            }
            return false;
        }
    }

    static Supervisor open(GlobalOptions g) {
        if (daemonListening(g.address)) return RemoteSupervisor.connect(g.address);
        return local(g);
    }

    static LocalSupervisor local(GlobalOptions g) {
        return LocalSupervisor.builder().stateDir(g.stateDir).lockWait(LOCK_WAIT).build();
    }
}
