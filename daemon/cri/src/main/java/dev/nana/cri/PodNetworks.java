package dev.nana.cri;

import dev.nana.cri.net.Cni;
import dev.nana.cri.net.NetNs;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.cri.v1.PortMapping;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The networks of pods that have their own: the pause process's namespace pinned on {@code netns}
 * in the sandbox's folder and attached by CNI, the attachment kept in {@code network.json} beside
 * it (written as a plan before the ADD runs, and with its result after), so that the pod's IP and
 * its CNI DEL survive a restart of the daemon, even one that cut the ADD short.
 */
final class PodNetworks {
    private static final Logger log = LoggerFactory.getLogger(PodNetworks.class);
    private static final String ATTACHMENT = "network.json";

    private final Cni cni;
    private final Sandboxes sandboxes;

    PodNetworks(Cni cni, Sandboxes sandboxes) {
        this.cni = cni;
        this.sandboxes = sandboxes;
    }

    Cni cni() {
        return cni;
    }

    static boolean ownNetwork(SandboxRecord s) {
        return s.network() != NamespaceMode.NODE_VALUE;
    }

    /** The file that holds the pod's network namespace. */
    Path netns(String sandboxId) {
        return sandboxes.dir(sandboxId).resolve("netns");
    }

    /**
     * Pins the network namespace of the pod's pause process and attaches it by CNI; on failure
     * nothing of it is left.
     */
    void attach(SandboxRecord s, int pausePid, PodSandboxConfig config) throws IOException {
        Path netns = netns(s.id());
        Path file = sandboxes.dir(s.id()).resolve(ATTACHMENT);
        // the plan is on disk before the ADD runs: a crash during it leaves what DEL needs
        Cni.Attachment planned = cni.plan(runtimeConfig(config));
        NetNs.pin(pausePid, netns);
        try {
            StateFiles.write(file, planned);
            StateFiles.write(file, cni.add(pod(s), netns, planned));
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(file); // the ADD undid itself
                NetNs.release(netns);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    /**
     * Detaches the pod (CNI DEL with what its ADD gave) and lets its namespace go; idempotent, as
     * StopPodSandbox is.
     */
    void detach(SandboxRecord s) throws IOException {
        // one detach of a pod at a time: two StopPodSandbox calls at once both answer OK, one DEL
        synchronized (detaching.computeIfAbsent(s.id(), _ -> new Object())) {
            try {
                Path file = sandboxes.dir(s.id()).resolve(ATTACHMENT);
                Path netns = netns(s.id());
                if (Files.exists(file)) {
                    Cni.Attachment a = StateFiles.read(file, Cni.Attachment.class);
                    cni.del(pod(s), NetNs.pinned(netns) ? netns : null, a);
                    Files.deleteIfExists(file);
                }
                NetNs.release(netns);
            } finally {
                detaching.remove(s.id());
            }
        }
    }

    private final java.util.concurrent.ConcurrentHashMap<String, Object> detaching =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Undoes the network of a pod whose record cannot be read: the CNI DEL from the attachment its
     * folder keeps (the pod's names unknown), then its pinned namespace.
     */
    static void detachUnread(Cni cni, String id, Path dir) throws IOException {
        Path file = dir.resolve(ATTACHMENT);
        Path netns = dir.resolve("netns");
        if (Files.exists(file)) {
            Cni.Attachment a = StateFiles.read(file, Cni.Attachment.class);
            cni.del(new Cni.Pod(id, "", "", ""), NetNs.pinned(netns) ? netns : null, a);
            Files.deleteIfExists(file);
        }
        NetNs.release(netns);
    }

    /** The pod's addresses, IPv4 first; none for a pod on the node's network or not attached. */
    List<String> ips(SandboxRecord s) {
        Path file = sandboxes.dir(s.id()).resolve(ATTACHMENT);
        try {
            if (Files.exists(file)) return StateFiles.read(file, Cni.Attachment.class).ips();
        } catch (IOException e) {
            log.warn("the network of pod sandbox {} cannot be read: {}", s.id(), e.toString());
        }
        return List.of();
    }

    private static Cni.Pod pod(SandboxRecord s) {
        return new Cni.Pod(s.id(), s.podName(), s.podNamespace(), s.podUid());
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode runtimeConfig(
            PodSandboxConfig config) {
        List<Map<String, Object>> ports = new ArrayList<>();
        for (PortMapping p : config.getPortMappingsList()) {
            if (p.getHostPort() <= 0) continue; // a port only documented, not published
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("hostPort", p.getHostPort());
            m.put("containerPort", p.getContainerPort());
            m.put("protocol", p.getProtocol().name().toLowerCase(java.util.Locale.ROOT));
            if (!p.getHostIp().isEmpty()) m.put("hostIP", p.getHostIp());
            ports.add(m);
        }
        var dns = config.getDnsConfig();
        return Cni.runtimeConfig(
                ports, dns.getServersList(), dns.getSearchesList(), dns.getOptionsList());
    }
}
