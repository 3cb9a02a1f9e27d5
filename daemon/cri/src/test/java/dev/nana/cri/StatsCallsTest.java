package dev.nana.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nana.cri.v1.NetworkInterfaceUsage;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsCallsTest {
    private static final String PROC_NET_DEV =
            """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     840      10    0    0    0     0          0         0      840      10    0    0    0     0       0          0
              eth0: 18446744073709551615     42    3    0    0     0          0         0     2048      17    1    0    0     0       0          0
             veth9:    100       1    0    0    0     0          0         0
            """;

    @Test
    void aNamespacesInterfacesAreReadButTheLoopbackAndTornLines() {
        List<NetworkInterfaceUsage> ifaces = StatsCalls.interfaces(PROC_NET_DEV);
        assertEquals(1, ifaces.size(), ifaces.toString());
        NetworkInterfaceUsage eth0 = ifaces.getFirst();
        assertEquals("eth0", eth0.getName());
        assertEquals(-1L, eth0.getRxBytes().getValue(), "an unsigned 64-bit counter, kept whole");
        assertEquals(3, eth0.getRxErrors().getValue());
        assertEquals(2048, eth0.getTxBytes().getValue());
        assertEquals(1, eth0.getTxErrors().getValue());
    }

    @Test
    void nothingReadableIsNoInterface() {
        assertEquals(List.of(), StatsCalls.interfaces(""));
        assertEquals(List.of(), StatsCalls.interfaces("a\nb\neth0 no colon here 1 2 3\n"));
        assertEquals(List.of(), StatsCalls.interfaces("a\nb\neth0: x y z 1 2 3 4 5 6 7 8 9\n"));
    }
}
