package dev.nana.it.cri;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's docker-registry on 127.0.0.1, with the test's own storage, and images pushed to it from
 * OCI layouts by skopeo: the registry nana pulls from in the tests (no network).
 */
final class LocalRegistry implements AutoCloseable {
    private final Path dir;
    private final Process process;
    final String address;
    private final String creds;

    private LocalRegistry(Path dir, Process process, String address, String creds) {
        this.dir = dir;
        this.process = process;
        this.address = address;
        this.creds = creds;
    }

    static LocalRegistry start() throws Exception {
        return start(null, null);
    }

    /**
     * A registry that asks for a user name and password (basic auth, an htpasswd file with a bcrypt
     * hash, made by Python's crypt), when user is not null.
     */
    static LocalRegistry start(String user, String password) throws Exception {
        Path dir = Files.createTempDirectory("nana-registry-");
        int port = freePort();
        String address = "127.0.0.1:" + port;
        String auth = "";
        if (user != null) {
            Process hash =
                    new ProcessBuilder(
                                    "python3",
                                    "-W",
                                    "ignore",
                                    "-c",
                                    "import crypt, sys; print(crypt.crypt(sys.argv[1],"
                                            + " crypt.mksalt(crypt.METHOD_BLOWFISH)))",
                                    password)
                            .start();
            String bcrypt =
                    new String(hash.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                            .strip();
            assertEquals(0, hash.waitFor(), "python3 made no bcrypt hash");
            Files.writeString(dir.resolve("htpasswd"), user + ":" + bcrypt + "\n");
            auth =
                    """
                    auth:
                      htpasswd:
                        realm: nana-test
                        path: %s
                    """
                            .formatted(dir.resolve("htpasswd"));
        }
        Files.writeString(
                dir.resolve("config.yml"),
                """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: %s
                """
                                .formatted(dir.resolve("storage"), address)
                        + auth);
        Process p =
                new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("registry.log").toFile())
                        .start();
        LocalRegistry registry =
                new LocalRegistry(dir, p, address, user == null ? null : user + ":" + password);
        HttpClient http = HttpClient.newHttpClient();
        try {
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions()
                    .until(
                            () -> {
                                if (!p.isAlive())
                                    fail(
                                            "docker-registry exited: "
                                                    + Files.readString(
                                                            dir.resolve("registry.log")));
                                return http.send(
                                                        HttpRequest.newBuilder(
                                                                        URI.create(
                                                                                "http://" + address
                                                                                        + "/v2/"))
                                                                .build(),
                                                        HttpResponse.BodyHandlers.discarding())
                                                .statusCode()
                                        != 0; // answering: 200, or 401 with auth
                            });
        } catch (RuntimeException | Error e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Pushes the image refName of an OCI layout (all its platforms) as repository:tag. */
    void push(Path layout, String refName, String repository, String tag) throws Exception {
        Process p =
                new ProcessBuilder(
                                skopeo(
                                        "copy",
                                        "--all",
                                        "--dest-tls-verify=false",
                                        "oci:" + layout + ":" + refName,
                                        "docker://" + address + "/" + repository + ":" + tag))
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "skopeo copy: " + out);
    }

    private List<String> skopeo(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("skopeo"));
        cmd.add(args[0]);
        if (creds != null) cmd.add("--dest-creds=" + creds);
        cmd.addAll(List.of(args).subList(1, args.length));
        return cmd;
    }

    /** The file the registry keeps a blob in (to corrupt it). */
    Path blobFile(String digest) {
        String hex = digest.substring("sha256:".length());
        return dir.resolve("storage/docker/registry/v2/blobs/sha256")
                .resolve(hex.substring(0, 2))
                .resolve(hex)
                .resolve("data");
    }

    /**
     * Writes a mirror table in dir that sends pulls of registry (e.g. docker.io) here, over plain
     * HTTP.
     */
    Path mirrorFor(Path hostsDir, String registry) throws IOException {
        Path file = hostsDir.resolve(registry).resolve("hosts.toml");
        Files.createDirectories(file.getParent());
        Files.writeString(
                file,
                """
                [host."http://%s"]
                  capabilities = ["pull", "resolve"]
                """
                        .formatted(address));
        return hostsDir;
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StateDir.deleteTree(dir);
    }
}
