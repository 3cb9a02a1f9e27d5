package dev.nana.daemon;

import com.sun.net.httpserver.HttpServer;
import dev.nana.supervisor.LocalSupervisor;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** The daemon's /metrics, in Prometheus's text format, on the JDK's own HTTP server. */
final class MetricsEndpoint {
    private MetricsEndpoint() {}

    static HttpServer start(String hostPort, LocalSupervisor supervisor) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("no port");
        String host = hostPort.substring(0, colon);
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 16);
        http.createContext(
                "/metrics",
                exchange -> {
                    byte[] body = supervisor.metricsText().getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders()
                            .set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                    exchange.sendResponseHeaders(200, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                });
        http.setExecutor(null);
        http.start();
        return http;
    }
}
