package dev.nana.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.nana.InvalidArgumentException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Where images of a registry are pulled from: its mirrors, then the registry itself. The table is
 * containerd's {@code hosts.toml} form, one file per registry under a folder ({@code
 * /etc/nana/certs.d/registry.k8s.io/hosts.toml}; {@code _default/hosts.toml} for every registry
 * without its own), so that a containerd node's files serve nana as they are:
 *
 * <pre>
 *   server = "https://registry.k8s.io"          # the registry itself (optional)
 *   [host."http://127.0.0.1:5000"]               # a mirror, tried first
 *     capabilities = ["pull", "resolve"]
 *     skip_verify = true                         # TLS without checking the certificate
 * </pre>
 *
 * Plain HTTP is used only for a host written with {@code http://}, and for a registry on the
 * loopback (localhost, 127.0.0.0/8, ::1), as containerd and Docker do; every other host is HTTPS
 * with its certificate checked unless {@code skip_verify} says otherwise.
 *
 * @param dir the folder of the per-registry folders
 */
public record RegistryHosts(Path dir) {
    /** nana's table, beside containerd's {@code /etc/containerd/certs.d}. */
    public static final Path DEFAULT_DIR = Path.of("/etc/nana/certs.d");

    /** Made when a table is first read: a daemon that pulls nothing loads no TOML parser. */
    private static final class Toml {
        static final TomlMapper MAPPER = new TomlMapper();
    }

    /**
     * One place to pull from.
     *
     * @param address host[:port], as a registry client takes it
     * @param insecure whether plain HTTP and unchecked TLS are allowed
     * @param mirror whether it stands in for the registry (a mirror), or is the registry
     */
    public record Host(String address, boolean insecure, boolean mirror) {}

    /** The hosts to try for registry, in order: mirrors as the file lists them, then the server. */
    public List<Host> hostsFor(String registry) throws IOException {
        Path file = dir.resolve(registry).resolve("hosts.toml");
        if (!Files.isRegularFile(file)) file = dir.resolve("_default").resolve("hosts.toml");
        String upstream = registry.equals("docker.io") ? "registry-1.docker.io" : registry;
        Host server = new Host(upstream, loopback(upstream), false);
        if (!Files.isRegularFile(file)) return List.of(server);
        JsonNode toml;
        try {
            toml = Toml.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new InvalidArgumentException(
                    "the registry hosts file " + file + " is not TOML: " + e.getMessage());
        }
        List<Host> hosts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = toml.path("host").properties().iterator();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            JsonNode caps = h.getValue().path("capabilities");
            boolean pulls = caps.isMissingNode();
            for (JsonNode c : caps) pulls |= c.asText().equals("pull");
            if (!pulls) continue; // a push-only host
            if (h.getValue().path("override_path").asBoolean(false))
                throw new InvalidArgumentException(
                        "host \""
                                + h.getKey()
                                + "\" in "
                                + file
                                + " sets override_path, which nana does not support: give the mirror's root URL");
            hosts.add(host(h.getKey(), h.getValue(), file, true));
        }
        JsonNode s = toml.path("server");
        hosts.add(s.isTextual() ? host(s.asText(), toml, file, false) : server);
        return hosts;
    }

    private static Host host(String url, JsonNode entry, Path file, boolean mirror) {
        URI u;
        try {
            u = new URI(url.contains("://") ? url : "https://" + url);
        } catch (URISyntaxException e) {
            throw badHost(url, file, "it is not a URL");
        }
        String path = u.getPath() == null ? "" : u.getPath();
        if (!path.isEmpty() && !path.equals("/") && !path.equals("/v2") && !path.equals("/v2/"))
            throw badHost(url, file, "nana pulls from a registry's root only, not from " + path);
        if (u.getHost() == null) throw badHost(url, file, "it names no host");
        String address = u.getPort() > 0 ? u.getHost() + ":" + u.getPort() : u.getHost();
        boolean insecure =
                switch (u.getScheme()) {
                    case "http" -> true;
                    case "https" ->
                            entry.path("skip_verify").asBoolean(false) || loopback(u.getHost());
                    default -> throw badHost(url, file, "its scheme is neither http nor https");
                };
        return new Host(address, insecure, mirror);
    }

    private static InvalidArgumentException badHost(String url, Path file, String why) {
        return new InvalidArgumentException(
                "registry host \""
                        + url
                        + "\" in "
                        + file
                        + " cannot be used: "
                        + why
                        + "; write e.g. [host.\"http://127.0.0.1:5000\"]");
    }

    /** Whether a registry host (with or without a port) is this machine's loopback. */
    static boolean loopback(String address) {
        String host = address;
        if (host.startsWith("[")) host = host.substring(1, host.indexOf(']'));
        else if (host.indexOf(':') == host.lastIndexOf(':') && host.contains(":"))
            host = host.substring(0, host.indexOf(':'));
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }
}
