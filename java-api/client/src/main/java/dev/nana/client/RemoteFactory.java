package dev.nana.client;

import dev.nana.Supervisor;
import dev.nana.spi.RemoteSupervisorFactory;
import java.nio.file.Path;

/** What {@link Supervisor#connect(Path)} finds through {@link java.util.ServiceLoader}. */
public final class RemoteFactory implements RemoteSupervisorFactory {
    @Override
    public Supervisor connect(Path socket) {
        return RemoteSupervisor.connect(socket);
    }
}
