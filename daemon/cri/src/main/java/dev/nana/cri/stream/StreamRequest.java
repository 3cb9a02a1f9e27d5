package dev.nana.cri.stream;

import java.nio.file.Path;
import java.util.List;

/** What a streaming URL's token stands for: a process to stream, or ports of a pod to forward. */
sealed interface StreamRequest permits ProcessStream.Request, StreamRequest.Ports {
    /**
     * A PortForward the CRI accepted: the pod, the namespace its ports are in (null: the host's, a
     * pod on the node's network), and the ports it named (a WebSocket client names its own).
     */
    record Ports(String sandboxId, Path netns, List<Integer> ports) implements StreamRequest {
        /**
         * What a port-forward's error stream tells when a port cannot be reached, as the kubelet.
         */
        byte[] failure(int port, java.io.IOException e) {
            return ("error forwarding port "
                            + port
                            + " to pod "
                            + sandboxId
                            + ": "
                            + (e.getMessage() == null ? e.toString() : e.getMessage()))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
