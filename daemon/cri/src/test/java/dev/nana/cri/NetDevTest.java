package dev.nana.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nana.cri.v1.NetworkInterfaceUsage;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetDevTest {
    static final String PROC_NET_DEV =
            """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     840      10    0    0    0     0          0         0      840      10    0    0    0     0       0          0
              eth0: 18446744073709551615     42    3    4    0     0          0         0     2048      17    1    2    0     0       0          0
             veth9:    100       1    0    0    0     0          0         0
            """;

    @Test
    void aNamespacesInterfacesAreReadButTheLoopbackAndTornLines() {
        List<NetDev> devs = NetDev.parse(PROC_NET_DEV);
        assertEquals(
                List.of(new NetDev("eth0", -1L, 42, 3, 4, 2048, 17, 1, 2)),
                devs,
                "an unsigned 64-bit counter kept whole; lo and the torn veth9 skipped");
    }

    @Test
    void theStatisticsGiveBytesAndErrors() {
        NetworkInterfaceUsage eth0 = StatsCalls.interfaces(NetDev.parse(PROC_NET_DEV)).getFirst();
        assertEquals("eth0", eth0.getName());
        assertEquals(-1L, eth0.getRxBytes().getValue());
        assertEquals(3, eth0.getRxErrors().getValue());
        assertEquals(2048, eth0.getTxBytes().getValue());
        assertEquals(1, eth0.getTxErrors().getValue());
    }

    @Test
    void nothingReadableIsNoInterface() {
        assertEquals(List.of(), NetDev.parse(""));
        assertEquals(List.of(), NetDev.parse("a\nb\neth0 no colon here 1 2 3\n"));
        assertEquals(List.of(), NetDev.parse("a\nb\neth0: x y z 1 2 3 4 5 6 7 8 9\n"));
    }
}
