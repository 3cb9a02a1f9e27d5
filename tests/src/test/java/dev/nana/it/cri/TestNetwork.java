package dev.nana.it.cri;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A CNI bridge network of a test's own (its configuration in dir/conf, for --cni-conf-dir): its
 * name, bridge, subnet and address store, so that the test can see the addresses it holds.
 */
record TestNetwork(String name, String bridge, String prefix, Path addresses) {
    static TestNetwork in(Path dir) throws Exception {
        int n = ThreadLocalRandom.current().nextInt(10, 250);
        TestNetwork net =
                new TestNetwork(
                        "nana-it-" + n, "nit" + n, "10.77." + n + ".", dir.resolve("addresses"));
        Files.createDirectories(dir.resolve("conf"));
        Files.writeString(
                dir.resolve("conf/50-test.conflist"),
                """
                {
                  "cniVersion": "1.0.0",
                  "name": "%s",
                  "plugins": [
                    {
                      "type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": true,
                      "ipam": {
                        "type": "host-local", "dataDir": "%s",
                        "ranges": [[{"subnet": "%s0/24"}]],
                        "routes": [{"dst": "0.0.0.0/0"}]
                      }
                    },
                    {"type": "portmap", "capabilities": {"portMappings": true}}
                  ]
                }
                """
                        .formatted(net.name, net.bridge, net.addresses, net.prefix));
        return net;
    }

    /** Removes the bridge, which CNI DEL leaves for the next pod (as containerd's does). */
    void removeBridge() throws Exception {
        new ProcessBuilder("ip", "link", "del", bridge).start().waitFor();
    }

    /** The addresses host-local has handed out. */
    List<String> allocated() throws Exception {
        Path d = addresses.resolve(name);
        if (!Files.isDirectory(d)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(f -> f.startsWith(prefix))
                    .toList();
        }
    }
}
