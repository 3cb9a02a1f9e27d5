package dev.nana.cli;

import dev.nana.Supervisor;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import picocli.CommandLine;

/**
 * What every nana subcommand has: its parent (global options, the invocation's Io) and its own
 * spec.
 */
abstract class Subcommand {
    @CommandLine.ParentCommand NanaCommand nana;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /**
     * Waits like {@link CompletableFuture#join()}, but an interrupt ends it: a forwarded command
     * whose client went away is interrupted, and must end at once and free what it holds.
     */
    static <T> T await(CompletableFuture<T> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new CompletionException(e.getCause());
        }
    }

    /** Does op to each id through one supervisor, printing each id once done (as docker does). */
    int eachId(List<String> ids, BiConsumer<Supervisor, String> op) {
        try (Supervisor s = Nana.open(nana)) {
            for (String id : ids) {
                op.accept(s, id);
                spec.commandLine().getOut().println(id);
            }
        }
        return 0;
    }
}
