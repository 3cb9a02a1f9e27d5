package dev.nana.spi;

import dev.nana.Supervisor;

/**
 * How {@link Supervisor#builder()} finds the in-process supervisor: nana-supervisor provides one
 * through {@link java.util.ServiceLoader}. Not for users; implement it only to replace nana's.
 */
public interface LocalSupervisorFactory {
    /**
     * Locks the settings' state directory, restores what is in it, and starts serving.
     *
     * @param settings what the builder was told
     * @return the supervisor
     */
    Supervisor open(LocalSettings settings);
}
