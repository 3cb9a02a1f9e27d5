package dev.nana.cri.stream;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Where a stream's bytes go to its client, a piece at a time (a SPDY data frame, a WebSocket
 * message on a channel), returning once the piece is written.
 */
@FunctionalInterface
interface MessageSink {
    void write(byte[] b, int off, int len) throws IOException;

    /** The sink as an OutputStream (what a process's output is copied to); empty writes vanish. */
    default OutputStream asStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len > 0) MessageSink.this.write(b, off, len);
            }
        };
    }
}
