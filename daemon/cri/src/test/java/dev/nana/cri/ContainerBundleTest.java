package dev.nana.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nana.InvalidArgumentException;
import dev.nana.cri.v1.Capability;
import dev.nana.cri.v1.ContainerConfig;
import dev.nana.cri.v1.ContainerMetadata;
import dev.nana.cri.v1.Int64Value;
import dev.nana.cri.v1.KeyValue;
import dev.nana.cri.v1.LinuxContainerConfig;
import dev.nana.cri.v1.LinuxContainerResources;
import dev.nana.cri.v1.LinuxContainerSecurityContext;
import dev.nana.cri.v1.Mount;
import dev.nana.cri.v1.MountPropagation;
import dev.nana.cri.v1.NamespaceMode;
import dev.nana.cri.v1.NamespaceOption;
import dev.nana.cri.v1.SecurityProfile;
import dev.nana.oci.SpecOpts;
import dev.nana.supervisor.state.StateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CRI → OCI translation (ContainerBundle.config), table-driven and without root: each case is a
 * CRI container config, an image config and a pod (or none), and the parts of the OCI config it
 * must give, by JSON pointer.
 */
class ContainerBundleTest {
    @TempDir static Path tmp;
    static Path rootfs;
    static Path hostDir;
    static Path podDir;

    @BeforeAll
    static void files() throws IOException {
        rootfs = Files.createDirectories(tmp.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(
                rootfs.resolve("etc/passwd"),
                """
                root:x:0:0:root:/root:/bin/sh
                app:x:1000:100:app:/home/app:/bin/sh
                odd:x:notanumber:1::/:/bin/sh
                """);
        Files.writeString(
                rootfs.resolve("etc/group"),
                """
                root:x:0:
                users:x:100:
                staff:x:50:app
                wheel:x:10:root,app
                """);
        hostDir = Files.createDirectories(tmp.resolve("host-data"));
        podDir = Files.createDirectories(tmp.resolve("pod"));
    }

    /** A case: what is asked, and what the OCI config must have at each pointer. */
    record Case(
            String name,
            UnaryOperator<ContainerConfig.Builder> request,
            String imageConfig,
            boolean inPod,
            Map<String, String> expect) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String BUSYBOX =
            "{\"config\":{\"Cmd\":[\"sh\"],\"Env\":[\"PATH=/bin\",\"A=1\"]}}";

    private static UnaryOperator<ContainerConfig.Builder> security(
            UnaryOperator<LinuxContainerSecurityContext.Builder> sc) {
        return b ->
                b.setLinux(
                        b.getLinux().toBuilder()
                                .setSecurityContext(
                                        sc.apply(b.getLinux().getSecurityContext().toBuilder())));
    }

    private static UnaryOperator<ContainerConfig.Builder> resources(
            UnaryOperator<LinuxContainerResources.Builder> r) {
        return b ->
                b.setLinux(
                        b.getLinux().toBuilder()
                                .setResources(r.apply(b.getLinux().getResources().toBuilder())));
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(
                        "defaults: the image's cmd and env, /, root, namespaces of its own",
                        b -> b,
                        BUSYBOX,
                        false,
                        Map.of(
                                "/process/args", "[\"sh\"]",
                                "/process/env", "[\"PATH=/bin\",\"A=1\"]",
                                "/process/cwd", "\"/\"",
                                // root's memberships in the image's /etc/group, as containerd
                                "/process/user", "{\"uid\":0,\"gid\":0,\"additionalGids\":[10]}",
                                "/root", "{\"path\":\"rootfs\",\"readonly\":false}",
                                "/hostname", "\"c1\"",
                                "/linux/namespaces",
                                        "[{\"type\":\"mount\"},{\"type\":\"network\"},{\"type\":\"uts\"},{\"type\":\"ipc\"},{\"type\":\"pid\"}]",
                                "/linux/resources/devices",
                                        "[{\"allow\":false,\"access\":\"rwm\"}]",
                                "/linux/seccomp", "missing",
                                "/linux/maskedPaths", json(SpecOpts.MASKED_PATHS))),
                new Case(
                        "the request's env over the image's; PATH given when the image has none",
                        b ->
                                b.addEnvs(KeyValue.newBuilder().setKey("A").setValue("2"))
                                        .addEnvs(KeyValue.newBuilder().setKey("B").setValue("x=y")),
                        "{\"config\":{\"Cmd\":[\"sh\"],\"Env\":[\"A=1\"]}}",
                        false,
                        Map.of(
                                "/process/env",
                                "[\"A=2\",\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"B=x=y\"]")),
                new Case(
                        "command replaces the entrypoint and drops the cmd",
                        b -> b.addCommand("/app").addArgs("-v"),
                        "{\"config\":{\"Entrypoint\":[\"/entry\"],\"Cmd\":[\"serve\"]}}",
                        false,
                        Map.of("/process/args", "[\"/app\",\"-v\"]")),
                new Case(
                        "args replace the cmd after the entrypoint",
                        b -> b.addArgs("debug"),
                        "{\"config\":{\"Entrypoint\":[\"/entry\"],\"Cmd\":[\"serve\"]}}",
                        false,
                        Map.of("/process/args", "[\"/entry\",\"debug\"]")),
                new Case(
                        "the request's working dir over the image's",
                        b -> b.setWorkingDir("/srv"),
                        "{\"config\":{\"Cmd\":[\"sh\"],\"WorkingDir\":\"/img\"}}",
                        false,
                        Map.of("/process/cwd", "\"/srv\"")),
                new Case(
                        "the image's working dir",
                        b -> b,
                        "{\"config\":{\"Cmd\":[\"sh\"],\"WorkingDir\":\"/img\"}}",
                        false,
                        Map.of("/process/cwd", "\"/img\"")),
                new Case(
                        "run_as_user by id: the gid from /etc/passwd, the groups it is a member of",
                        security(s -> s.setRunAsUser(Int64Value.newBuilder().setValue(1000))),
                        BUSYBOX,
                        false,
                        Map.of(
                                "/process/user",
                                "{\"uid\":1000,\"gid\":100,\"additionalGids\":[50,10]}")),
                new Case(
                        "the image's user:group by name",
                        b -> b,
                        "{\"config\":{\"Cmd\":[\"sh\"],\"User\":\"app:staff\"}}",
                        false,
                        Map.of(
                                "/process/user",
                                "{\"uid\":1000,\"gid\":50,\"additionalGids\":[10]}")),
                new Case(
                        "run_as_group and supplemental groups over the image's",
                        security(
                                s ->
                                        s.setRunAsUsername("app")
                                                .setRunAsGroup(Int64Value.newBuilder().setValue(7))
                                                .addSupplementalGroups(8)),
                        BUSYBOX,
                        false,
                        Map.of(
                                "/process/user",
                                "{\"uid\":1000,\"gid\":7,\"additionalGids\":[50,10,8]}")),
                new Case(
                        "a uid not in /etc/passwd stays as given",
                        security(s -> s.setRunAsUser(Int64Value.newBuilder().setValue(4242))),
                        BUSYBOX,
                        false,
                        Map.of("/process/user", "{\"uid\":4242,\"gid\":0}")),
                new Case(
                        "capabilities: drop ALL, add one",
                        security(
                                s ->
                                        s.setCapabilities(
                                                Capability.newBuilder()
                                                        .addDropCapabilities("ALL")
                                                        .addAddCapabilities("net_admin"))),
                        BUSYBOX,
                        false,
                        Map.of(
                                "/process/capabilities/bounding", "[\"CAP_NET_ADMIN\"]",
                                "/process/capabilities/effective", "[\"CAP_NET_ADMIN\"]")),
                new Case(
                        "read-only rootfs, no new privileges",
                        security(s -> s.setReadonlyRootfs(true).setNoNewPrivs(true)),
                        BUSYBOX,
                        false,
                        Map.of(
                                "/root/readonly", "true",
                                "/process/noNewPrivileges", "true")),
                new Case(
                        "privileged: no masked paths, /sys read-write, every device allowed",
                        security(
                                s ->
                                        s.setPrivileged(true)
                                                .setSeccomp(
                                                        SecurityProfile.newBuilder()
                                                                .setProfileType(
                                                                        SecurityProfile.ProfileType
                                                                                .RuntimeDefault))),
                        BUSYBOX,
                        false,
                        Map.of(
                                "/linux/maskedPaths", "missing",
                                "/linux/seccomp", "missing",
                                "/linux/resources/devices/0",
                                        "{\"allow\":true,\"access\":\"rwm\"}")),
                new Case(
                        "the given masked and read-only paths over the defaults",
                        security(s -> s.addMaskedPaths("/proc/x").addReadonlyPaths("/proc/y")),
                        BUSYBOX,
                        false,
                        Map.of(
                                "/linux/maskedPaths", "[\"/proc/x\"]",
                                "/linux/readonlyPaths", "[\"/proc/y\"]")),
                new Case(
                        "seccomp RuntimeDefault: nana's deny-list, EPERM",
                        security(
                                s ->
                                        s.setSeccomp(
                                                SecurityProfile.newBuilder()
                                                        .setProfileType(
                                                                SecurityProfile.ProfileType
                                                                        .RuntimeDefault))),
                        BUSYBOX,
                        false,
                        Map.of(
                                "/linux/seccomp/defaultAction", "\"SCMP_ACT_ALLOW\"",
                                "/linux/seccomp/syscalls/0/action", "\"SCMP_ACT_ERRNO\"",
                                "/linux/seccomp/syscalls/0/errnoRet", "1",
                                "/linux/seccomp/syscalls/0/names", json(Seccomp.DENIED))),
                new Case(
                        "a host path mounted with its propagation; the root follows the strongest",
                        b ->
                                b.addMounts(
                                                Mount.newBuilder()
                                                        .setContainerPath("/data")
                                                        .setHostPath(hostDir.toString())
                                                        .setReadonly(true)
                                                        .setPropagation(
                                                                MountPropagation
                                                                        .PROPAGATION_HOST_TO_CONTAINER))
                                        .addMounts(
                                                Mount.newBuilder()
                                                        .setContainerPath("/shared")
                                                        .setHostPath(hostDir.toString())
                                                        .setPropagation(
                                                                MountPropagation
                                                                        .PROPAGATION_BIDIRECTIONAL)),
                        BUSYBOX,
                        false,
                        Map.of(
                                "/mounts/6",
                                        "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\""
                                                + hostDir
                                                + "\",\"options\":[\"rbind\",\"rslave\",\"ro\"]}",
                                "/mounts/7/options", "[\"rbind\",\"rshared\",\"rw\"]",
                                "/linux/rootfsPropagation", "\"rshared\"")),
                new Case(
                        "resources: cpu and memory",
                        resources(
                                r ->
                                        r.setCpuShares(512)
                                                .setCpuQuota(50000)
                                                .setCpuPeriod(100000)
                                                .setCpusetCpus("0-1")
                                                .setMemoryLimitInBytes(64 << 20)),
                        BUSYBOX,
                        false,
                        Map.of(
                                "/linux/resources/cpu",
                                        "{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"0-1\"}",
                                "/linux/resources/memory", "{\"limit\":67108864}")),
                new Case(
                        "in a pod: its namespaces joined through the pause process, its cgroup",
                        security(
                                s ->
                                        s.setNamespaceOptions(
                                                NamespaceOption.newBuilder()
                                                        .setPid(NamespaceMode.CONTAINER))),
                        BUSYBOX,
                        true,
                        Map.of(
                                "/linux/namespaces",
                                "[{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"/proc/41/ns/net\"},"
                                        + "{\"type\":\"uts\",\"path\":\"/proc/41/ns/uts\"},"
                                        + "{\"type\":\"ipc\",\"path\":\"/proc/41/ns/ipc\"},{\"type\":\"pid\"}]",
                                "/linux/cgroupsPath",
                                "\"/kubepods/pod1/c1\"",
                                "/hostname",
                                "missing",
                                "/mounts/6/source",
                                "\"" + podDir.resolve("hostname") + "\"")),
                new Case(
                        "in a pod: the pod's pid namespace, or a target's",
                        security(
                                s ->
                                        s.setNamespaceOptions(
                                                NamespaceOption.newBuilder()
                                                        .setPid(NamespaceMode.TARGET))),
                        BUSYBOX,
                        true,
                        Map.of(
                                "/linux/namespaces/4",
                                "{\"type\":\"pid\",\"path\":\"/proc/42/ns/pid\"}")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void translates(Case c) throws IOException {
        JsonNode config = config(c.request().apply(base()), c.imageConfig(), c.inPod(), "c1");
        c.expect()
                .forEach(
                        (pointer, want) -> {
                            JsonNode got = config.at(pointer);
                            if (want.equals("missing"))
                                assertTrue(got.isMissingNode(), pointer + " is " + got);
                            else assertEquals(tree(want).toString(), got.toString(), pointer);
                        });
    }

    /** Each bad request is refused, naming what is wrong. */
    static Stream<Object[]> refusals() {
        return Stream.of(
                new Object[] {
                    "no command anywhere",
                    (UnaryOperator<ContainerConfig.Builder>) b -> b,
                    "{\"config\":{}}",
                    "has no command"
                },
                new Object[] {
                    "a user the image lacks",
                    security(s -> s.setRunAsUsername("nobody-here")),
                    BUSYBOX,
                    "\"nobody-here\" is not in its image's /etc/passwd"
                },
                new Object[] {
                    "a group the image lacks",
                    (UnaryOperator<ContainerConfig.Builder>) b -> b,
                    "{\"config\":{\"Cmd\":[\"sh\"],\"User\":\"app:nogroup\"}}",
                    "\"nogroup\" is not in its image's /etc/group"
                },
                new Object[] {
                    "an unknown capability",
                    security(
                            s ->
                                    s.setCapabilities(
                                            Capability.newBuilder().addAddCapabilities("FLY"))),
                    BUSYBOX,
                    "capability \"FLY\" is unknown"
                },
                new Object[] {
                    "a relative host path",
                    (UnaryOperator<ContainerConfig.Builder>)
                            b ->
                                    b.addMounts(
                                            Mount.newBuilder()
                                                    .setContainerPath("/d")
                                                    .setHostPath("rel/path")),
                    BUSYBOX,
                    "\"rel/path\" is not absolute"
                },
                new Object[] {
                    "a host path that does not exist",
                    (UnaryOperator<ContainerConfig.Builder>)
                            b ->
                                    b.addMounts(
                                            Mount.newBuilder()
                                                    .setContainerPath("/d")
                                                    .setHostPath("/no/such/dir/here")),
                    BUSYBOX,
                    "does not exist"
                },
                new Object[] {
                    "a group without a user (the CRI: the runtime MUST error)",
                    security(s -> s.setRunAsGroup(Int64Value.newBuilder().setValue(1000))),
                    BUSYBOX,
                    "run_as_group 1000 is set without run_as_user or run_as_username"
                },
                new Object[] {
                    "a user both by number and by name",
                    security(
                            s ->
                                    s.setRunAsUser(Int64Value.newBuilder().setValue(1000))
                                            .setRunAsUsername("nobody")),
                    BUSYBOX,
                    "are both set"
                },
                new Object[] {
                    "an oom_score_adj out of the kernel's range",
                    resources(r -> r.setOomScoreAdj(1001)),
                    BUSYBOX,
                    "oom_score_adj 1001"
                },
                new Object[] {
                    "a Localhost seccomp profile given by a relative path",
                    security(
                            s ->
                                    s.setSeccomp(
                                            SecurityProfile.newBuilder()
                                                    .setProfileType(
                                                            SecurityProfile.ProfileType.Localhost)
                                                    .setLocalhostRef("profile.json"))),
                    BUSYBOX,
                    "\"profile.json\" is not an absolute path"
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refuses(
            String name,
            UnaryOperator<ContainerConfig.Builder> request,
            String image,
            String message) {
        InvalidArgumentException e =
                assertThrows(
                        InvalidArgumentException.class,
                        () -> config(request.apply(base()), image, false, "c1"));
        assertTrue(e.getMessage().contains(message), name + ": " + e.getMessage());
    }

    @Test
    void aLongIdIsCutToAHostnameTheKernelTakes() throws IOException {
        String id = "x".repeat(64);
        assertEquals("x".repeat(63), config(base(), BUSYBOX, false, id).path("hostname").asText());
    }

    @Test
    void theKubeletsOwnEtcFilesWinOverThePods() throws IOException {
        ContainerConfig.Builder b =
                base().addMounts(
                                Mount.newBuilder()
                                        .setContainerPath("/etc/hosts")
                                        .setHostPath(hostDir.toString()));
        JsonNode mounts = config(b, BUSYBOX, true, "c1").path("mounts");
        long hosts =
                Stream.iterate(0, i -> i < mounts.size(), i -> i + 1)
                        .filter(
                                i ->
                                        mounts.get(i)
                                                .path("destination")
                                                .asText()
                                                .equals("/etc/hosts"))
                        .count();
        assertEquals(1, hosts, mounts.toString());
    }

    @Test
    void aLocalhostProfileIsReadFromItsFile() throws IOException {
        Path profile = tmp.resolve("profile.json");
        Files.writeString(
                profile,
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
        ContainerConfig.Builder b =
                security(
                                s ->
                                        s.setSeccomp(
                                                SecurityProfile.newBuilder()
                                                        .setProfileType(
                                                                SecurityProfile.ProfileType
                                                                        .Localhost)
                                                        .setLocalhostRef(profile.toString())))
                        .apply(base());
        JsonNode seccomp = config(b, BUSYBOX, false, "c1").at("/linux/seccomp");
        assertEquals("SCMP_ACT_ERRNO", seccomp.path("defaultAction").asText());
        assertEquals("read", seccomp.at("/syscalls/0/names/0").asText());
    }

    @Test
    void aContainerFromAnImageAloneRunsItsProcessInNamespacesOfItsOwn() throws IOException {
        JsonNode c =
                StateFiles.JSON.readTree(
                        dev.nana.images.ImageProcess.spec(
                                        tree(
                                                "{\"config\":{\"Entrypoint\":[\"/entry\"],\"Cmd\":[\"serve\"],"
                                                        + "\"User\":\"app\",\"WorkingDir\":\"/srv\"}}"),
                                        rootfs,
                                        "box")
                                .toJson());
        assertEquals("[\"/entry\",\"serve\"]", c.at("/process/args").toString());
        assertEquals("/srv", c.at("/process/cwd").asText());
        assertEquals(
                "{\"uid\":1000,\"gid\":100,\"additionalGids\":[50,10]}",
                c.at("/process/user").toString());
        assertEquals(
                json(SpecOpts.DEFAULT_CAPABILITIES),
                c.at("/process/capabilities/bounding").toString());
        assertEquals("box", c.path("hostname").asText());
        assertEquals(5, c.at("/linux/namespaces").size());
        InvalidArgumentException e =
                assertThrows(
                        InvalidArgumentException.class,
                        () ->
                                dev.nana.images.ImageProcess.spec(
                                        tree("{\"config\":{}}"), rootfs, "box"));
        assertTrue(e.getMessage().contains("box has no command"), e.getMessage());
    }

    private static ContainerConfig.Builder base() {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("web"))
                .setLinux(LinuxContainerConfig.newBuilder());
    }

    private static JsonNode config(
            ContainerConfig.Builder request, String imageConfig, boolean inPod, String id)
            throws IOException {
        ContainerBundle.Pod pod =
                inPod
                        ? new ContainerBundle.Pod(
                                new SandboxRecord(
                                        "pod1",
                                        "p_ns_uid_0",
                                        "p",
                                        "uid",
                                        "ns",
                                        0,
                                        Map.of(),
                                        Map.of(),
                                        "",
                                        0,
                                        "p",
                                        "",
                                        NamespaceMode.POD_VALUE,
                                        NamespaceMode.CONTAINER_VALUE,
                                        NamespaceMode.POD_VALUE),
                                podDir,
                                "/kubepods/pod1",
                                41,
                                42)
                        : null;
        return StateFiles.JSON.readTree(
                ContainerBundle.config(request.build(), tree(imageConfig), pod, rootfs, id)
                        .toJson());
    }

    private static JsonNode tree(String json) {
        try {
            return StateFiles.JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String json(List<String> values) {
        return StateFiles.JSON.valueToTree(values).toString();
    }
}
