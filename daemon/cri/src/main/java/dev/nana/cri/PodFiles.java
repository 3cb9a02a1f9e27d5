package dev.nana.cri;

import dev.nana.cri.v1.DNSConfig;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.PodSandboxConfig;
import dev.nana.supervisor.os.ProcFs;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * A pod's /etc/hostname, /etc/hosts and /etc/resolv.conf, kept in its sandbox's folder and
 * bind-mounted into each of its containers (unless the kubelet mounts one of its own there): the
 * pod's name, and its DNS servers, searches and options, or the host's files for a pod on the
 * host's network or without a DNS config.
 */
final class PodFiles {
    static final List<String> NAMES = List.of("hostname", "hosts", "resolv.conf");

    private PodFiles() {}

    static void write(Path dir, PodSandboxConfig config, int network) throws IOException {
        boolean host = network == NamespaceMode.NODE_VALUE;
        String name = host || config.getHostname().isEmpty() ? hostName() : config.getHostname();
        Files.writeString(dir.resolve("hostname"), name + "\n");
        Files.writeString(
                dir.resolve("hosts"),
                host
                        ? readOr(Path.of("/etc/hosts"), "127.0.0.1\tlocalhost\n")
                        : "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        DNSConfig dns = config.getDnsConfig();
        String resolv;
        if (!config.hasDnsConfig()
                || dns.getServersCount() + dns.getSearchesCount() + dns.getOptionsCount() == 0) {
            resolv = readOr(Path.of("/etc/resolv.conf"), "");
        } else {
            StringBuilder b = new StringBuilder();
            if (dns.getSearchesCount() > 0)
                b.append("search ").append(String.join(" ", dns.getSearchesList())).append('\n');
            for (String server : dns.getServersList())
                b.append("nameserver ").append(server).append('\n');
            if (dns.getOptionsCount() > 0)
                b.append("options ").append(String.join(" ", dns.getOptionsList())).append('\n');
            resolv = b.toString();
        }
        Files.writeString(dir.resolve("resolv.conf"), resolv);
    }

    private static String readOr(Path file, String otherwise) throws IOException {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            return otherwise;
        }
    }

    private static String hostName() throws IOException {
        try {
            return ProcFs.read(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (NoSuchFileException e) {
            return InetAddress.getLocalHost().getHostName();
        }
    }
}
