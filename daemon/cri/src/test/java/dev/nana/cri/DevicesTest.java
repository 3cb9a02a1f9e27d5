package dev.nana.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nana.InvalidArgumentException;
import dev.nana.cri.v1.Device;
import dev.nana.oci.Spec;
import dev.nana.oci.SpecOpts;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container's host devices: each a node in its /dev and a rule of its device cgroup, with the
 * request's permissions; what is no device, or is not there, is refused by name. /dev/null and
 * /dev/zero (character devices 1:3 and 1:5) are on every Linux host.
 */
class DevicesTest {
    /** linux.devices and linux.resources.devices after the devices' option, as JSON. */
    private static String[] apply(List<Device> devices) throws IOException {
        Spec s = SpecOpts.build(Devices.of(devices, "web"));
        JsonNode linux = StateFiles.JSON.readTree(s.toJson()).path("linux");
        return new String[] {
            linux.path("devices").toString(), linux.at("/resources/devices").toString()
        };
    }

    private static Device device(String host, String inside, String permissions) {
        return Device.newBuilder()
                .setHostPath(host)
                .setContainerPath(inside)
                .setPermissions(permissions)
                .build();
    }

    @Test
    void aDeviceIsANodeAndACgroupRule() throws IOException {
        String[] got =
                apply(
                        List.of(
                                device("/dev/null", "/dev/mynull", "rw"),
                                device("/dev/zero", "", "")));
        assertEquals(
                "[{\"path\":\"/dev/mynull\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":438,\"uid\":0,\"gid\":0},"
                        + "{\"path\":\"/dev/zero\",\"type\":\"c\",\"major\":1,\"minor\":5,\"fileMode\":438,\"uid\":0,\"gid\":0}]",
                got[0]);
        assertEquals(
                "[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"},"
                        + "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}]",
                got[1]);
    }

    @Test
    void noDevicesAddNothing() throws IOException {
        assertEquals("", apply(List.of())[0]);
        assertEquals("", apply(List.of())[1]);
    }

    @Test
    void badDevicesAreRefusedByName(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("plain"), "x");
        String[][] cases = {
            {"/dev/null", "x", "has permissions \"x\": give some of r, w and m"},
            {"/dev/null", "rwmr", "has permissions \"rwmr\""},
            {"/dev/no-such-device", "rw", "does not exist on this node"},
            {file.toString(), "rw", "is no device: give a character or block device"},
        };
        for (String[] c : cases) {
            InvalidArgumentException e =
                    assertThrows(
                            InvalidArgumentException.class,
                            () -> Devices.of(List.of(device(c[0], "", c[1])), "web"),
                            c[0]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
            assertTrue(e.getMessage().contains("web") || e.getMessage().contains(c[0]));
        }
    }
}
