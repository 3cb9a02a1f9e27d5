package dev.nana.supervisor;

import dev.nana.ClientIo;
import dev.nana.Supervisor;
import dev.nana.UnavailableException;
import dev.nana.spi.LocalSettings;
import dev.nana.spi.LocalSupervisorFactory;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.NativeUnavailableException;
import dev.nana.supervisor.runtime.OciRuntime;
import dev.nana.supervisor.shim.Shim;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link Supervisor#builder()} builds, found through {@link java.util.ServiceLoader}. It
 * checks the three things a supervisor cannot work without (libnana, nana-shim, the default
 * runtime) all at once, so that one failure names every fix.
 */
public final class LocalFactory implements LocalSupervisorFactory {
    @Override
    public Supervisor open(LocalSettings s) {
        List<String> missing = new ArrayList<>();
        try {
            LibNana.requireAbi();
        } catch (NativeUnavailableException e) {
            missing.add(e.getMessage());
        }
        try {
            var _ = Shim.binary();
        } catch (UnavailableException e) {
            missing.add(e.getMessage());
        }
        try {
            var _ = OciRuntime.resolve(s.defaultRuntime());
        } catch (RuntimeException e) {
            missing.add(
                    e.getMessage()
                            + " (the builder's defaultRuntime names another: \"crun\", or a path)");
        }
        if (!missing.isEmpty()) {
            throw new UnavailableException(
                    "nana cannot supervise here: " + String.join("; and ", missing));
        }
        return LocalSupervisor.builder()
                .stateDir(s.stateDir())
                .defaultRuntime(s.defaultRuntime())
                .maxConcurrentStarts(s.maxConcurrentStarts())
                .timeout(s.timeout())
                .lockWait(s.lockWait())
                .build();
    }

    @Override
    public ClientIo clientIo(Path stateDir) {
        try {
            LibNana.requireAbi();
        } catch (NativeUnavailableException e) {
            throw new UnavailableException(e.getMessage(), e);
        }
        return new DirectIo(stateDir);
    }
}
