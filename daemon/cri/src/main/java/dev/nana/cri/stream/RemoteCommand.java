package dev.nana.cri.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Kubernetes' remote-command protocol, as far as nana's streaming server speaks it: the channels of
 * the {@code channel.k8s.io} WebSocket subprotocols (each binary message's first byte names its
 * channel), and what the error channel carries at the end (a metav1.Status, whose causes hold the
 * exit code: kubectl and crictl exit with it).
 */
final class RemoteCommand {
    static final int STDIN = 0;
    static final int STDOUT = 1;
    static final int STDERR = 2;
    static final int ERROR = 3;
    static final int RESIZE = 4;

    /** v5.channel.k8s.io: a message on this channel, its data one channel's number, closes it. */
    static final int CLOSE = 255;

    static final String V5 = "v5.channel.k8s.io";
    static final String V4 = "v4.channel.k8s.io";
    static final String V3 = "v3.channel.k8s.io";
    static final String V2 = "v2.channel.k8s.io";
    static final String V1 = "channel.k8s.io";

    /** The WebSocket subprotocols served, the preferred first. */
    static final List<String> WEBSOCKET_PROTOCOLS = List.of(V5, V4);

    /**
     * The remote-command versions served over SPDY ({@code X-Stream-Protocol-Version}), the newest
     * first: v4's error stream carries the Status JSON, the older ones a failure's message; v3 and
     * v4 have a resize stream.
     */
    static final List<String> SPDY_PROTOCOLS = List.of(V4, V3, V2, V1);

    /** The SPDY header that names what a stream carries (error, stdin, stdout, stderr, resize). */
    static final String STREAM_TYPE = "streamtype";

    /** The most of a resize stream's JSON kept while it is incomplete. */
    private static final int MAX_SIZE_JSON = 4096;

    private static final ObjectMapper JSON = new ObjectMapper();

    private RemoteCommand() {}

    /** The status of a command that exited 0. */
    static String success() {
        return status("Success").toString();
    }

    /** The status of a command that exited with code (not 0), as the kubelet words it. */
    static String exited(int code, List<String> cmd) {
        ObjectNode s = status("Failure");
        s.put(
                "message",
                "command terminated with non-zero exit code: error executing command "
                        + cmd
                        + ", exit code "
                        + code);
        s.put("reason", "NonZeroExitCode");
        s.putObject("details")
                .putArray("causes")
                .addObject()
                .put("reason", "ExitCode")
                .put("message", Integer.toString(code));
        return s.toString();
    }

    /** The status of a stream that failed before its command's end. */
    static String failure(String message) {
        ObjectNode s = status("Failure");
        s.put("message", message);
        s.put("reason", "InternalError");
        s.put("code", 500);
        return s.toString();
    }

    private static ObjectNode status(String status) {
        ObjectNode s = JSON.createObjectNode();
        s.putObject("metadata");
        s.put("status", status);
        return s;
    }

    /**
     * The message of a status that is a failure, null for a success: what the error stream of the
     * versions before v4 carries.
     */
    static String failureMessage(String status) {
        try {
            JsonNode n = JSON.readTree(status);
            return "Success".equals(n.path("status").asText()) ? null : n.path("message").asText();
        } catch (java.io.IOException e) {
            return status;
        }
    }

    /**
     * The sizes a resize stream's bytes complete: JSON objects one after the other (a Go
     * json.Encoder ends each with a newline), split across frames as they come; pending holds what
     * is not complete yet, bounded (past the bound it is dropped).
     */
    static List<int[]> sizes(StringBuilder pending, byte[] more) {
        pending.append(new String(more, StandardCharsets.UTF_8));
        List<int[]> sizes = new ArrayList<>();
        int end;
        while ((end = pending.indexOf("}")) >= 0) {
            int[] s = size(pending.substring(0, end + 1).getBytes(StandardCharsets.UTF_8));
            if (s != null) sizes.add(s);
            pending.delete(0, end + 1);
        }
        if (pending.length() > MAX_SIZE_JSON) pending.setLength(0);
        return sizes;
    }

    /** A terminal size message: {"Width":W,"Height":H}; null when it is not one. */
    static int[] size(byte[] json) {
        try {
            JsonNode n = JSON.readTree(json);
            int w = n.path("Width").asInt(0);
            int h = n.path("Height").asInt(0);
            return w > 0 && h > 0 && w <= 65535 && h <= 65535 ? new int[] {h, w} : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
