package dev.nana.cri.stream;

import java.nio.file.Path;
import java.util.List;

/** What a streaming URL's token stands for: a process to stream, or ports of a pod to forward. */
sealed interface StreamRequest permits ProcessStream.Request, StreamRequest.Ports {
    /**
     * A PortForward the CRI accepted: the pod, the namespace its ports are in (null: the host's, a
     * pod on the node's network), and the ports it named (a WebSocket client names its own).
     */
    record Ports(String sandboxId, Path netns, List<Integer> ports) implements StreamRequest {}
}
