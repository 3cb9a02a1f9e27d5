package dev.nana.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.InvalidArgumentException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryHostsTest {
    @TempDir Path dir;

    private void write(String registry, String toml) throws Exception {
        Path f = dir.resolve(registry).resolve("hosts.toml");
        Files.createDirectories(f.getParent());
        Files.writeString(f, toml);
    }

    @Test
    void withoutATableTheRegistryItselfOverHttps() throws Exception {
        RegistryHosts hosts = new RegistryHosts(dir);
        assertEquals(
                List.of(new RegistryHosts.Host("registry-1.docker.io", false, false)),
                hosts.hostsFor("docker.io"));
        assertEquals(
                List.of(new RegistryHosts.Host("quay.io", false, false)),
                hosts.hostsFor("quay.io"));
        // the loopback may speak plain HTTP, as in containerd and Docker
        assertEquals(
                List.of(new RegistryHosts.Host("127.0.0.1:5000", true, false)),
                hosts.hostsFor("127.0.0.1:5000"));
        assertTrue(RegistryHosts.loopback("localhost:5000"));
        assertTrue(RegistryHosts.loopback("[::1]:5000"));
        assertFalse(RegistryHosts.loopback("registry.k8s.io"));
    }

    @Test
    void mirrorsComeFirstInTheFilesOrderThenTheServer() throws Exception {
        write(
                "registry.k8s.io",
                """
                server = "https://registry.k8s.io"

                [host."http://127.0.0.1:5000"]
                  capabilities = ["pull", "resolve"]

                [host."https://push-only.example"]
                  capabilities = ["push"]

                [host."https://mirror.example:8443/v2"]
                  skip_verify = true
                """);
        assertEquals(
                List.of(
                        new RegistryHosts.Host("127.0.0.1:5000", true, true),
                        new RegistryHosts.Host("mirror.example:8443", true, true),
                        new RegistryHosts.Host("registry.k8s.io", false, false)),
                new RegistryHosts(dir).hostsFor("registry.k8s.io"));
    }

    @Test
    void theDefaultTableServesEveryRegistryWithoutItsOwn() throws Exception {
        write("_default", "[host.\"https://cache.example\"]\n");
        assertEquals(
                List.of(
                        new RegistryHosts.Host("cache.example", false, true),
                        new RegistryHosts.Host("quay.io", false, false)),
                new RegistryHosts(dir).hostsFor("quay.io"));
    }

    @Test
    void whatNanaCannotUseIsRefusedByName() throws Exception {
        write("a.example", "[host.\"https://m.example/some/path\"]\n");
        String path =
                assertThrows(
                                InvalidArgumentException.class,
                                () -> new RegistryHosts(dir).hostsFor("a.example"))
                        .getMessage();
        assertTrue(path.contains("m.example/some/path") && path.contains("root"), path);
        write("b.example", "[host.\"https://m.example\"]\noverride_path = true\n");
        write("c.example", "[host.\"ftp://m.example\"]\n");
        write("d.example", "this is = = not toml");
        for (String r : List.of("b.example", "c.example", "d.example")) {
            String m =
                    assertThrows(
                                    InvalidArgumentException.class,
                                    () -> new RegistryHosts(dir).hostsFor(r))
                            .getMessage();
            assertTrue(m.contains(r), m);
        }
    }
}
