package dev.nana.cri.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the remote-command protocol's resize stream and error stream carry. */
class RemoteCommandTest {
    @Test
    void sizesSplitAcrossFramesAreReadWholeAndGarbageIsDroppedWithinItsBound() {
        StringBuilder pending = new StringBuilder();
        assertEquals(List.of(), RemoteCommand.sizes(pending, bytes("{\"Width\":80,")));
        List<int[]> two =
                RemoteCommand.sizes(
                        pending, bytes("\"Height\":24}\n{\"Width\":100,\"Height\":30}\n"));
        assertEquals(2, two.size());
        assertArrayEquals(new int[] {24, 80}, two.get(0));
        assertArrayEquals(new int[] {30, 100}, two.get(1));
        // not a size, a size out of range: skipped; what follows still reads
        List<int[]> after =
                RemoteCommand.sizes(
                        pending,
                        bytes("{\"x\":1}{\"Width\":0,\"Height\":5}{\"Width\":1,\"Height\":2}"));
        assertEquals(1, after.size());
        assertArrayEquals(new int[] {2, 1}, after.getFirst());
        // a client that never closes its object holds no more than the bound
        RemoteCommand.sizes(pending, new byte[8192]);
        assertEquals(0, pending.length());
    }

    @Test
    void olderVersionsCarryAFailuresMessageAloneAndNothingForASuccess() {
        assertNull(RemoteCommand.failureMessage(RemoteCommand.success()));
        assertEquals(
                "command terminated with non-zero exit code: error executing command [sh], exit"
                        + " code 3",
                RemoteCommand.failureMessage(RemoteCommand.exited(3, List.of("sh"))));
        assertEquals("broken", RemoteCommand.failureMessage(RemoteCommand.failure("broken")));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
