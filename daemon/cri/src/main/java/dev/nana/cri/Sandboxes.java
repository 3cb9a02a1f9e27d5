package dev.nana.cri;

import dev.nana.cri.net.NetNs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The sandboxes on disk: a folder each under {@code <state-dir>/.cri/sandboxes/<id>/}, with its
 * sandbox.json, its pause process's bundle, the pod's hostname, hosts and resolv.conf, and its
 * network namespace with its CNI attachment (see {@link PodNetworks}).
 */
final class Sandboxes {
    private final RecordFolder<SandboxRecord> records;

    Sandboxes(Path root, RecordFolder.Eviction evict) throws IOException {
        records =
                new RecordFolder<>(
                        root,
                        new RecordFolder.Kind<>(
                                "pod sandbox",
                                "ListPodSandbox",
                                "sandbox.json",
                                SandboxRecord.class,
                                SandboxRecord::id,
                                SandboxRecord::createdAtNanos,
                                // the pause process went with the crash; its namespace may not
                                dir -> NetNs.release(dir.resolve("netns"))),
                        evict);
    }

    Path dir(String id) {
        return records.dir(id);
    }

    Path bundle(String id) {
        return dir(id).resolve("bundle");
    }

    /** Records a new sandbox, refusing a second one of the same pod name and attempt. */
    void add(SandboxRecord r) throws IOException {
        records.add(
                r,
                SandboxRecord::name,
                (mine, other) ->
                        "pod sandbox "
                                + mine.name()
                                + " exists already as "
                                + other.id()
                                + ": remove it first (RemovePodSandbox), or give the next attempt number");
    }

    SandboxRecord get(String idOrPrefix) {
        return records.get(idOrPrefix);
    }

    SandboxRecord find(String idOrPrefix) {
        return records.find(idOrPrefix);
    }

    List<SandboxRecord> all() {
        return records.all();
    }

    void remove(String id) throws IOException {
        records.remove(id);
    }
}
