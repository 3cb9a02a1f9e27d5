package dev.nana.it;

import dev.nana.ContainerSpec;
import dev.nana.supervisor.LocalSupervisor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A supervisor in a JVM of its own, for the test that SIGKILLs it in the middle of many concurrent
 * starts. Args: STATE_DIR RUNTIME BUNDLE COUNT. Prints "started ID" per start.
 */
public final class StartManyMain {
    private StartManyMain() {}

    public static void main(String[] args) throws Exception {
        Path state = Path.of(args[0]);
        String runtime = args[1];
        Path bundle = Path.of(args[2]);
        int count = Integer.parseInt(args[3]);
        LocalSupervisor nana =
                LocalSupervisor.builder().stateDir(state).defaultRuntime(runtime).build();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = "many-" + i;
            all.add(
                    CompletableFuture.runAsync(
                            () -> {
                                nana.run(
                                        ContainerSpec.builder(id, bundle)
                                                .args("sleep", "1000")
                                                .build());
                                synchronized (System.out) {
                                    System.out.println("started " + id);
                                    System.out.flush();
                                }
                            }));
        }
        for (var f : all) f.join();
        System.out.println("all started");
        Thread.sleep(Long.MAX_VALUE); // until killed
    }
}
