package dev.nana.cri;

import java.util.Map;

/**
 * What nana keeps of a pod sandbox, in its folder's sandbox.json: all that CRI's status and list
 * answers need besides the pause container's own state, so that a restarted daemon answers as the
 * one before it did.
 *
 * @param id the sandbox's id, which is also its pause container's nana id
 * @param name the pod's name, namespace, uid and attempt, as one reserved name: a second
 *     RunPodSandbox for the same is refused while this one exists
 * @param createdAtNanos when RunPodSandbox was called, in nanoseconds since the epoch
 * @param network the network namespace mode (a {@code NamespaceMode} number)
 * @param pid the PID namespace mode
 * @param ipc the IPC namespace mode
 */
public record SandboxRecord(
        String id,
        String name,
        String podName,
        String podUid,
        String podNamespace,
        int attempt,
        Map<String, String> labels,
        Map<String, String> annotations,
        String runtimeHandler,
        long createdAtNanos,
        String hostname,
        String logDirectory,
        int network,
        int pid,
        int ipc) {}
