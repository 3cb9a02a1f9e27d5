package dev.nana.cri.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nana.FailedPreconditionException;
import dev.nana.UnavailableException;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pod networks through CNI plugins (the Container Network Interface, spec 1.0): the network of the
 * first configuration file in the configuration folder (as libcni and containerd pick it), its
 * plugins run in a chain for ADD and in reverse for DEL, each given the previous one's result and
 * the capability arguments it declares (port mappings, DNS). The loopback plugin brings up the
 * pod's {@code lo} first, as containerd does.
 *
 * <p>When the folder holds no configuration, nana installs its own ({@link #DEFAULT_FILE}: a bridge
 * {@code nana0} on 10.88.0.0/16 with host-local addresses, masquerading and port mappings), so that
 * a node needs nothing more than Debian's containernetworking-plugins.
 */
public final class Cni {
    private static final Logger log = LoggerFactory.getLogger(Cni.class);

    /** Where CNI's configurations live on a node. */
    public static final Path DEFAULT_CONF_DIR = Path.of("/etc/cni/net.d");

    /** Where plugins are looked for: the upstream place, then Debian's. */
    public static final List<Path> DEFAULT_BIN_DIRS =
            List.of(Path.of("/opt/cni/bin"), Path.of("/usr/lib/cni"));

    /** The name of the configuration nana installs when there is none. */
    public static final String DEFAULT_FILE = "10-nana.conflist";

    private static final String DEFAULT_CONFIG =
            """
            {
              "cniVersion": "1.0.0",
              "name": "nana",
              "plugins": [
                {
                  "type": "bridge",
                  "bridge": "nana0",
                  "isGateway": true,
                  "ipMasq": true,
                  "hairpinMode": true,
                  "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": "10.88.0.0/16"}]],
                    "routes": [{"dst": "0.0.0.0/0"}]
                  }
                },
                {"type": "portmap", "capabilities": {"portMappings": true}}
              ]
            }
            """;

    private static final String LOOPBACK =
            "{\"cniVersion\":\"1.0.0\",\"name\":\"cni-loopback\",\"plugins\":[{\"type\":\"loopback\"}]}";

    private static final long PLUGIN_TIMEOUT_SECONDS = 60;

    private final Path confDir;
    private final List<Path> binDirs;

    public Cni(Path confDir, List<Path> binDirs) {
        this.confDir = confDir;
        this.binDirs = List.copyOf(binDirs);
    }

    public Path confDir() {
        return confDir;
    }

    /** Who the pod is, for the plugins' CNI_ARGS. */
    public record Pod(String sandboxId, String name, String namespace, String uid) {
        String args() {
            return "IgnoreUnknown=1;K8S_POD_NAMESPACE="
                    + namespace
                    + ";K8S_POD_NAME="
                    + name
                    + ";K8S_POD_INFRA_CONTAINER_ID="
                    + sandboxId
                    + ";K8S_POD_UID="
                    + uid;
        }
    }

    /**
     * What an ADD did, kept in the sandbox's folder for DEL and for the pod's status after a
     * restart.
     *
     * @param config the network configuration (list) the ADD ran, which its DEL runs again
     * @param runtimeConfig the capability arguments it was given
     * @param result the chain's result; null while the ADD has not answered
     * @param ips the pod's addresses, without prefix length, IPv4 first
     */
    public record Attachment(
            JsonNode config, JsonNode runtimeConfig, JsonNode result, List<String> ips) {}

    /** Writes nana's default configuration when the folder has none; returns whether it did. */
    public boolean installDefault() throws IOException {
        if (!configFiles().isEmpty()) return false;
        Files.createDirectories(confDir);
        StateFiles.writeBytes(
                confDir.resolve(DEFAULT_FILE), DEFAULT_CONFIG.getBytes(StandardCharsets.UTF_8));
        log.info("no CNI configuration in {}: installed nana's ({})", confDir, DEFAULT_FILE);
        return true;
    }

    /** Why pods cannot be networked now, or null when they can (the CRI's NetworkReady). */
    public String notReady() {
        try {
            JsonNode list = network();
            List<String> missing = new ArrayList<>();
            for (JsonNode p : plugins(list)) {
                String type = p.path("type").asText();
                if (plugin(type) == null) missing.add(type);
            }
            if (plugin("loopback") == null) missing.add("loopback");
            if (!missing.isEmpty())
                return "CNI plugins "
                        + missing
                        + " of network \""
                        + list.path("name").asText()
                        + "\" are not in "
                        + binDirs
                        + ": install containernetworking-plugins";
            return null;
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        }
    }

    /** The network pods join: the first configuration file's, as a list of plugins. */
    JsonNode network() throws IOException {
        List<Path> files = configFiles();
        if (files.isEmpty())
            throw new FailedPreconditionException(
                    "no CNI network configuration in "
                            + confDir
                            + ": write one (e.g. a bridge .conflist), or let the daemon install nana's");
        Path file = files.getFirst();
        JsonNode conf;
        try {
            conf = StateFiles.JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new FailedPreconditionException(
                    "CNI configuration " + file + " is not JSON: " + e.getMessage());
        }
        if (!conf.path("name").isTextual())
            throw new FailedPreconditionException(
                    "CNI configuration " + file + " has no \"name\": give the network one");
        if (conf.has("plugins")) return conf;
        // a single plugin's .conf: a list of one
        ObjectNode list = StateFiles.JSON.createObjectNode();
        list.put("cniVersion", conf.path("cniVersion").asText("1.0.0"));
        list.put("name", conf.path("name").asText());
        list.putArray("plugins").add(conf);
        return list;
    }

    private List<Path> configFiles() throws IOException {
        if (!Files.isDirectory(confDir)) return List.of();
        try (Stream<Path> s = Files.list(confDir)) {
            return s.filter(
                            p -> {
                                String n = p.getFileName().toString();
                                return n.endsWith(".conflist")
                                        || n.endsWith(".conf")
                                        || n.endsWith(".json");
                            })
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        }
    }

    private static List<JsonNode> plugins(JsonNode list) {
        List<JsonNode> out = new ArrayList<>();
        list.path("plugins").forEach(out::add);
        return out;
    }

    private Path plugin(String type) {
        if (type.isEmpty() || type.contains("/")) return null;
        for (Path dir : binDirs) {
            Path p = dir.resolve(type);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /**
     * What an ADD will run: the network's configuration now, and the pod's capability arguments; no
     * result yet. Kept before the ADD runs, it lets a DEL undo an ADD that a crash cut short.
     *
     * @param runtimeConfig capability arguments by name (portMappings, dns); each plugin gets those
     *     it declares
     */
    public Attachment plan(ObjectNode runtimeConfig) throws IOException {
        JsonNode list = network();
        for (JsonNode p : plugins(list)) requirePlugin(p.path("type").asText());
        requirePlugin("loopback");
        return new Attachment(list, runtimeConfig, null, List.of());
    }

    /**
     * Attaches the pod in netns to the planned network: loopback, then the network's chain. On
     * failure what was added is deleted again before the error is thrown.
     */
    public Attachment add(Pod pod, Path netns, Attachment planned) throws IOException {
        ObjectNode runtimeConfig = (ObjectNode) planned.runtimeConfig();
        run("ADD", StateFiles.JSON.readTree(LOOPBACK), pod, netns, "lo", runtimeConfig, null);
        JsonNode list = planned.config();
        JsonNode result;
        try {
            result = run("ADD", list, pod, netns, "eth0", runtimeConfig, null);
        } catch (IOException | RuntimeException e) {
            try {
                run("DEL", list, pod, netns, "eth0", runtimeConfig, null);
            } catch (IOException | RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        List<String> ips = new ArrayList<>();
        for (JsonNode ip : result.path("ips")) {
            String a = ip.path("address").asText();
            ips.add(a.contains("/") ? a.substring(0, a.indexOf('/')) : a);
        }
        ips.sort((a, b) -> Boolean.compare(a.contains(":"), b.contains(":")));
        log.info(
                "pod {} joined CNI network {}: {}",
                pod.sandboxId(),
                list.path("name").asText(),
                ips);
        return new Attachment(list, runtimeConfig, result, List.copyOf(ips));
    }

    /**
     * Detaches the pod: the attachment's chain in reverse, with its result (none when the ADD was
     * cut short). netns may be gone (null): the plugins then release what they hold outside it
     * (addresses, rules).
     */
    public void del(Pod pod, Path netns, Attachment a) throws IOException {
        run("DEL", a.config(), pod, netns, "eth0", (ObjectNode) a.runtimeConfig(), a.result());
        log.info("pod {} left CNI network {}", pod.sandboxId(), a.config().path("name").asText());
    }

    /**
     * Runs a chain: ADD in order, each plugin given the previous result, stopping at the first
     * failure; DEL in reverse, every plugin even after one failed (so that what the others hold is
     * released), the first failure thrown at the end.
     */
    private JsonNode run(
            String command,
            JsonNode list,
            Pod pod,
            Path netns,
            String ifName,
            ObjectNode runtimeConfig,
            JsonNode prevResult)
            throws IOException {
        List<JsonNode> chain = plugins(list);
        boolean add = command.equals("ADD");
        if (add) {
            for (JsonNode p : chain) requirePlugin(p.path("type").asText()); // all, or none runs
        } else {
            chain = chain.reversed();
        }
        JsonNode prev = prevResult;
        IOException ioFailure = null;
        RuntimeException failure = null;
        for (JsonNode p : chain) {
            ObjectNode conf = p.deepCopy();
            conf.put("cniVersion", list.path("cniVersion").asText("1.0.0"));
            conf.put("name", list.path("name").asText());
            if (prev != null) conf.set("prevResult", prev);
            ObjectNode rc = StateFiles.JSON.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it =
                            p.path("capabilities").properties().iterator();
                    it.hasNext(); ) {
                Map.Entry<String, JsonNode> cap = it.next();
                if (cap.getValue().asBoolean(false) && runtimeConfig.has(cap.getKey()))
                    rc.set(cap.getKey(), runtimeConfig.get(cap.getKey()));
            }
            if (!rc.isEmpty()) conf.set("runtimeConfig", rc);
            try {
                JsonNode out = exec(command, p.path("type").asText(), conf, pod, netns, ifName);
                if (add) prev = out;
            } catch (IOException e) {
                if (add) throw e;
                if (ioFailure == null && failure == null) ioFailure = e;
            } catch (RuntimeException e) {
                if (add) throw e;
                if (ioFailure == null && failure == null) failure = e;
            }
        }
        if (ioFailure != null) throw ioFailure;
        if (failure != null) throw failure;
        return prev;
    }

    private Path requirePlugin(String type) {
        Path plugin = plugin(type);
        if (plugin == null)
            throw new FailedPreconditionException(
                    "CNI plugin \""
                            + type
                            + "\" is not in "
                            + binDirs
                            + ": install containernetworking-plugins, or fix the network's configuration in "
                            + confDir);
        return plugin;
    }

    private JsonNode exec(
            String command, String type, ObjectNode conf, Pod pod, Path netns, String ifName)
            throws IOException {
        Path plugin = requirePlugin(type);
        ProcessBuilder pb = new ProcessBuilder(plugin.toString());
        Map<String, String> env = pb.environment();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", pod.sandboxId());
        env.put("CNI_NETNS", netns == null ? "" : netns.toString());
        env.put("CNI_IFNAME", ifName);
        env.put("CNI_ARGS", pod.args());
        env.put("CNI_PATH", binDirs.stream().map(Path::toString).collect(Collectors.joining(":")));
        Process p = pb.start();
        // both streams read while the plugin runs: it blocks on neither
        CompletableFuture<byte[]> out = readAll(p.getInputStream());
        CompletableFuture<byte[]> err = readAll(p.getErrorStream());
        byte[] stdout;
        try {
            try (OutputStream in = p.getOutputStream()) {
                in.write(StateFiles.JSON.writeValueAsBytes(conf));
            } catch (IOException e) {
                // it exited without reading: its exit status says why
            }
            if (!p.waitFor(PLUGIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new UnavailableException(
                        "CNI plugin "
                                + type
                                + " "
                                + command
                                + " took over "
                                + PLUGIN_TIMEOUT_SECONDS
                                + " s: killed");
            }
            stdout = out.join();
            if (p.exitValue() != 0) {
                String msg = new String(stdout, StandardCharsets.UTF_8).strip();
                try {
                    JsonNode e = StateFiles.JSON.readTree(stdout);
                    msg = e.path("msg").asText(msg);
                    if (!e.path("details").asText().isEmpty())
                        msg += " (" + e.path("details").asText() + ")";
                } catch (IOException notJson) {
                    // the plain text is the message
                }
                if (msg.isEmpty()) msg = new String(err.join(), StandardCharsets.UTF_8).strip();
                throw new UnavailableException(
                        "CNI plugin "
                                + type
                                + " of network \""
                                + conf.path("name").asText()
                                + "\" failed "
                                + command
                                + " for pod "
                                + pod.namespace()
                                + "/"
                                + pod.name()
                                + ": "
                                + msg);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("CNI " + command + " interrupted");
        }
        if (command.equals("DEL") || stdout.length == 0) return null;
        return StateFiles.JSON.readTree(stdout);
    }

    private static CompletableFuture<byte[]> readAll(InputStream in) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread.ofVirtual()
                .name("cni-output")
                .start(
                        () -> {
                            try (in) {
                                f.complete(in.readAllBytes());
                            } catch (IOException e) {
                                f.complete(new byte[0]);
                            }
                        });
        return f;
    }

    /** The capability arguments of a pod: its port mappings and DNS, in CNI's form. */
    public static ObjectNode runtimeConfig(
            List<Map<String, Object>> portMappings,
            List<String> servers,
            List<String> searches,
            List<String> options) {
        ObjectNode rc = StateFiles.JSON.createObjectNode();
        ArrayNode ports = rc.putArray("portMappings");
        for (Map<String, Object> m : portMappings) ports.add(StateFiles.JSON.valueToTree(m));
        ObjectNode dns = rc.putObject("dns");
        servers.forEach(dns.putArray("servers")::add);
        searches.forEach(dns.putArray("searches")::add);
        options.forEach(dns.putArray("options")::add);
        return rc;
    }
}
