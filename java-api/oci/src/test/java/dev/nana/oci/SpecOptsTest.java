package dev.nana.oci;

import static dev.nana.oci.SpecOpts.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nana.InvalidArgumentException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each option, table-driven: the options applied to an empty spec, and the JSON they must give at a
 * pointer. Then the refusals, and a user's config read and written again with nothing lost.
 */
class SpecOptsTest {
    record Case(String name, List<SpecOpt> opts, String pointer, String json) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("nothing: the version only", List.of(), "", "{\"ociVersion\":\"1.0.2\"}"),
                new Case(
                        "args",
                        List.of(withProcessArgs(List.of("sh", "-c", "true"))),
                        "/process/args",
                        "[\"sh\",\"-c\",\"true\"]"),
                new Case(
                        "env: a key set again keeps one value, the newest last",
                        List.of(withEnv(List.of("A=1", "B=2")), withEnv(List.of("A=3", "C=x=y"))),
                        "/process/env",
                        "[\"B=2\",\"A=3\",\"C=x=y\"]"),
                new Case(
                        "env from a map, in its order",
                        List.of(withEnvMap(new java.util.LinkedHashMap<>(Map.of("K", "v")))),
                        "/process/env",
                        "[\"K=v\"]"),
                new Case("cwd", List.of(withCwd("/srv")), "/process/cwd", "\"/srv\""),
                new Case("terminal", List.of(withTerminal(true)), "/process/terminal", "true"),
                new Case(
                        "user: the primary gid and repeats left out of the additional ones",
                        List.of(withUser(1000, 100, List.of(100L, 10L, 10L, 50L))),
                        "/process/user",
                        "{\"uid\":1000,\"gid\":100,\"additionalGids\":[10,50]}"),
                new Case(
                        "user with no additional gids",
                        List.of(withUser(0, 0, List.of())),
                        "/process/user",
                        "{\"uid\":0,\"gid\":0}"),
                new Case(
                        "capabilities: three sets alike",
                        List.of(withCapabilities(List.of("CAP_KILL"))),
                        "/process/capabilities",
                        "{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"]}"),
                new Case(
                        "oom score",
                        List.of(withOomScoreAdj(-998)),
                        "/process/oomScoreAdj",
                        "-998"),
                new Case(
                        "root",
                        List.of(withRoot("rootfs", true)),
                        "/root",
                        "{\"path\":\"rootfs\",\"readonly\":true}"),
                new Case(
                        "a host name longer than the kernel's 63 bytes is cut",
                        List.of(withHostname("h".repeat(70))),
                        "/hostname",
                        "\"" + "h".repeat(63) + "\""),
                new Case(
                        "a bind mount",
                        List.of(withBind("/data", "/srv/data", "rslave", true)),
                        "/mounts/0",
                        "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/data\",\"options\":[\"rbind\",\"rslave\",\"ro\"]}"),
                new Case(
                        "the default mounts, /sys read-only",
                        List.of(withDefaultMounts(false)),
                        "/mounts/5/options/3",
                        "\"ro\""),
                new Case(
                        "namespaces: new ones, then a joined one",
                        List.of(
                                withNewNamespaces("mount", "ipc"),
                                withJoinedNamespace("network", "/proc/7/ns/net")),
                        "/linux/namespaces",
                        "[{\"type\":\"mount\"},{\"type\":\"ipc\"},{\"type\":\"network\",\"path\":\"/proc/7/ns/net\"}]"),
                new Case(
                        "cgroups path and propagation",
                        List.of(withCgroupsPath("/kubepods/p/c"), withRootfsPropagation("rshared")),
                        "/linux",
                        "{\"rootfsPropagation\":\"rshared\",\"cgroupsPath\":\"/kubepods/p/c\"}"),
                new Case(
                        "sysctls, sorted",
                        List.of(withSysctl(Map.of("net.b", "2", "net.a", "1"))),
                        "/linux/sysctl",
                        "{\"net.a\":\"1\",\"net.b\":\"2\"}"),
                new Case(
                        "no sysctls: no field",
                        List.of(withSysctl(Map.of())),
                        "",
                        "{\"ociVersion\":\"1.0.2\"}"),
                new Case(
                        "a device rule and a device",
                        List.of(
                                withDeviceRule(new Spec.DeviceRule(false, null, null, null, "rwm")),
                                withDevice(new Spec.Device("/dev/null", "c", 1, 3, 0666))),
                        "/linux",
                        "{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
                                + "\"devices\":[{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":438,\"uid\":0,\"gid\":0}]}"),
                new Case(
                        "cpu, only what is given",
                        List.of(withCpu(c -> c.shares = 512L)),
                        "/linux/resources/cpu",
                        "{\"shares\":512}"),
                new Case(
                        "memory limit",
                        List.of(withMemoryLimit(1 << 20)),
                        "/linux/resources/memory",
                        "{\"limit\":1048576}"),
                new Case(
                        "masked and read-only paths",
                        List.of(withMaskedPaths(List.of("/a")), withReadonlyPaths(List.of("/b"))),
                        "/linux",
                        "{\"maskedPaths\":[\"/a\"],\"readonlyPaths\":[\"/b\"]}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachOptionSetsWhatItSays(Case c) throws IOException {
        JsonNode got = Spec.JSON.readTree(build(c.opts()).toJson());
        assertEquals(c.json(), got.at(c.pointer()).toString(), c.name());
    }

    static Stream<Object[]> refusals() {
        return Stream.of(
                new Object[] {
                    "no args", (Supplier<SpecOpt>) () -> withProcessArgs(List.of()), "at least one"
                },
                new Object[] {
                    "env without =",
                    (Supplier<SpecOpt>) () -> withEnv(List.of("NOPE")),
                    "\"NOPE\" is not KEY=VALUE"
                },
                new Object[] {
                    "a relative cwd",
                    (Supplier<SpecOpt>) () -> withCwd("srv"),
                    "\"srv\" must be an absolute path"
                },
                new Object[] {
                    "an oom score out of range",
                    (Supplier<SpecOpt>) () -> withOomScoreAdj(-1001),
                    "oom_score_adj -1001"
                },
                new Object[] {
                    "a memory limit of 0",
                    (Supplier<SpecOpt>) () -> withMemoryLimit(0),
                    "memory limit 0"
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void badValuesAreRefusedByName(String name, Supplier<SpecOpt> opt, String message) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, opt::get);
        assertTrue(e.getMessage().contains(message), name + ": " + e.getMessage());
    }

    @Test
    void aUsersConfigKeepsWhatNanaDoesNotModel() throws IOException {
        String config =
                """
                {"ociVersion":"1.0.2-dev","process":{"terminal":false,"user":{"uid":0,"gid":0},
                "args":["sh"],"rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],
                "apparmorProfile":"p"},"root":{"path":"rootfs"},"hooks":{"prestart":[]},
                "linux":{"resources":{"memory":{"limit":5,"swap":9},"pids":{"limit":10}},
                "uidMappings":[{"containerID":0,"hostID":1000,"size":1}]}}
                """;
        Spec s = Spec.read(config.getBytes(StandardCharsets.UTF_8));
        withProcessArgs(List.of("true")).apply(s);
        withMemoryLimit(7).apply(s);
        JsonNode out = Spec.JSON.readTree(s.toJson());
        JsonNode in = Spec.JSON.readTree(config);
        assertEquals("[\"true\"]", out.at("/process/args").toString());
        assertEquals("{\"limit\":7,\"swap\":9}", out.at("/linux/resources/memory").toString());
        for (String kept :
                new String[] {
                    "/ociVersion",
                    "/process/rlimits",
                    "/process/apparmorProfile",
                    "/hooks",
                    "/linux/resources/pids",
                    "/linux/uidMappings",
                    "/root"
                }) assertEquals(in.at(kept), out.at(kept), kept);
    }

    @Test
    void aCopyIsDeep() {
        Spec s = build(withProcessArgs(List.of("a")));
        Spec copy = s.copy();
        withProcessArgs(List.of("b")).apply(copy);
        assertEquals(List.of("a"), s.process.args);
    }
}
