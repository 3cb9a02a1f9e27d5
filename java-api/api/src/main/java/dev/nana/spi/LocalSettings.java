package dev.nana.spi;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@link dev.nana.Supervisor.Builder} was told, handed to the {@link LocalSupervisorFactory}.
 *
 * @param stateDir the state directory
 * @param defaultRuntime runc, crun or an absolute path, for specs that name none
 * @param maxConcurrentStarts creates and starts under way at once
 * @param timeout how long any one runtime call may take
 * @param lockWait how long to wait for another supervisor to let go of the state directory
 */
public record LocalSettings(
        Path stateDir,
        String defaultRuntime,
        int maxConcurrentStarts,
        Duration timeout,
        Duration lockWait) {}
