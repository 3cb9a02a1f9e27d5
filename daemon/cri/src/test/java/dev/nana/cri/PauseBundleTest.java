package dev.nana.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nana.InvalidArgumentException;
import dev.nana.cri.v1.Int64Value;
import dev.nana.cri.v1.LinuxPodSandboxConfig;
import dev.nana.cri.v1.LinuxSandboxSecurityContext;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pause process's config: its namespaces by the pod's modes, its user, name and sysctls. */
class PauseBundleTest {
    private static SandboxRecord pod(int network, int pid, int ipc, String hostname) {
        return new SandboxRecord(
                "pod1",
                "p_ns_u_0",
                "p",
                "u",
                "ns",
                0,
                Map.of(),
                Map.of(),
                "",
                0,
                hostname,
                "",
                network,
                pid,
                ipc);
    }

    private static JsonNode config(SandboxRecord r, LinuxPodSandboxConfig linux)
            throws IOException {
        return StateFiles.JSON.readTree(PauseBundle.config(r, linux).toJson());
    }

    @Test
    void aPodOfItsOwnHasEveryNamespaceAndNoCapability() throws IOException {
        JsonNode c =
                config(
                        pod(
                                NamespaceMode.POD_VALUE,
                                NamespaceMode.POD_VALUE,
                                NamespaceMode.POD_VALUE,
                                "web-0"),
                        LinuxPodSandboxConfig.newBuilder()
                                .setCgroupParent("/kubepods/pod1/")
                                .putSysctls("net.ipv4.ip_forward", "1")
                                .build());
        assertEquals(
                "[{\"type\":\"mount\"},{\"type\":\"network\"},{\"type\":\"uts\"},{\"type\":\"ipc\"},{\"type\":\"pid\"}]",
                c.at("/linux/namespaces").toString());
        assertEquals("web-0", c.path("hostname").asText());
        assertEquals("/kubepods/pod1/pod1", c.at("/linux/cgroupsPath").asText());
        assertEquals("{\"net.ipv4.ip_forward\":\"1\"}", c.at("/linux/sysctl").toString());
        assertEquals("[]", c.at("/process/capabilities/bounding").toString());
        assertEquals("[\"/pause\",\"-P\"]", c.at("/process/args").toString());
        assertTrue(c.at("/root/readonly").asBoolean());
        assertEquals("{\"uid\":0,\"gid\":0}", c.at("/process/user").toString());
    }

    @Test
    void aPodOnTheHostsNetworkKeepsTheHostsNameAndNamespaces() throws IOException {
        JsonNode c =
                config(
                        pod(
                                NamespaceMode.NODE_VALUE,
                                NamespaceMode.NODE_VALUE,
                                NamespaceMode.NODE_VALUE,
                                "web-0"),
                        LinuxPodSandboxConfig.newBuilder()
                                .setSecurityContext(
                                        LinuxSandboxSecurityContext.newBuilder()
                                                .setRunAsUser(
                                                        Int64Value.newBuilder().setValue(65535))
                                                .setRunAsGroup(
                                                        Int64Value.newBuilder().setValue(65534)))
                                .build());
        assertEquals("[{\"type\":\"mount\"}]", c.at("/linux/namespaces").toString());
        assertTrue(c.path("hostname").isMissingNode());
        assertTrue(c.at("/linux/cgroupsPath").isMissingNode());
        assertTrue(c.at("/linux/sysctl").isMissingNode());
        assertEquals("{\"uid\":65535,\"gid\":65534}", c.at("/process/user").toString());
    }

    @Test
    void aSystemdSliceForAParentIsRefusedSayingWhichDriverToSet() {
        InvalidArgumentException e =
                assertThrows(
                        InvalidArgumentException.class,
                        () ->
                                config(
                                        pod(
                                                NamespaceMode.POD_VALUE,
                                                NamespaceMode.POD_VALUE,
                                                NamespaceMode.POD_VALUE,
                                                "web-0"),
                                        LinuxPodSandboxConfig.newBuilder()
                                                .setCgroupParent("kubepods-besteffort-pod1.slice")
                                                .build()));
        assertTrue(e.getMessage().contains("cgroupDriver to cgroupfs"), e.getMessage());
    }

    @Test
    void aPodsNamespaceModeCannotBeTarget() {
        InvalidArgumentException e =
                assertThrows(
                        InvalidArgumentException.class,
                        () -> PauseBundle.mode(NamespaceMode.TARGET, "pid"));
        assertTrue(e.getMessage().contains("pid namespace mode cannot be TARGET"), e.getMessage());
    }
}
