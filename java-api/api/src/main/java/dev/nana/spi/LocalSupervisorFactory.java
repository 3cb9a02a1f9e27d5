package dev.nana.spi;

import dev.nana.ClientIo;
import dev.nana.Supervisor;
import java.nio.file.Path;

/**
 * How {@link Supervisor#builder()} and {@link ClientIo#of} find the in-process supervisor:
 * nana-supervisor provides one through {@link java.util.ServiceLoader}. Not for users; implement it
 * only to replace nana's.
 */
public interface LocalSupervisorFactory {
    /**
     * Locks the settings' state directory, restores what is in it, and starts serving.
     *
     * @param settings what the builder was told
     * @return the supervisor
     */
    Supervisor open(LocalSettings settings);

    /**
     * The client's side of the containers under stateDir, which takes no lock.
     *
     * @param stateDir the state directory
     * @return its client side
     */
    ClientIo clientIo(Path stateDir);
}
