package dev.nana.spi;

import dev.nana.Supervisor;
import java.nio.file.Path;

/**
 * How {@link Supervisor#connect(Path)} finds the client of a nana daemon: nana-client provides one
 * through {@link java.util.ServiceLoader}. Not for users.
 */
public interface RemoteSupervisorFactory {
    /**
     * A supervisor that forwards every call to the daemon listening on socket.
     *
     * @param socket the daemon's unix socket
     * @return the supervisor
     */
    Supervisor connect(Path socket);
}
