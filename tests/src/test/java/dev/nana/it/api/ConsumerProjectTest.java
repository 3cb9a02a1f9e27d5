package dev.nana.it.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.it.Fixture;
import dev.nana.it.NanaCli;
import dev.nana.supervisor.state.StateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A new Maven project outside the repository, made of nothing but README's "From Java" (its pom and
 * Hello.java, cut out of README.md), built against the artifacts that scripts/build installed in
 * the local repository, and run as the README says: in-process (libnana and nana-shim from the
 * nana-native jar, nothing from this checkout), then against a daemon.
 */
class ConsumerProjectTest {
    private static final Path README = Path.of(System.getProperty("nana.home", "."), "README.md");
    private static final Path STATE = Path.of("/run/hello-nana"); // the README's own
    private Path project;

    @BeforeEach
    void makeProject() throws IOException {
        String readme = Files.readString(README);
        project = Files.createTempDirectory("hello-nana-");
        Files.writeString(project.resolve("pom.xml"), block(readme, "consumer:pom", "```xml"));
        Path src = Files.createDirectories(project.resolve("src/main/java"));
        Files.writeString(src.resolve("Hello.java"), block(readme, "consumer:java", "```java"));
        // not the README's: a program that forgets close(), whose JVM must end all the same
        Files.writeString(
                src.resolve("Forgetful.java"),
                """
                import dev.nana.Supervisor;
                import java.nio.file.Path;

                public class Forgetful {
                    public static void main(String[] args) {
                        Supervisor local = Supervisor.builder().stateDir(Path.of(args[0])).build();
                        Supervisor remote = Supervisor.connect(Path.of(args[1]));
                        System.out.println(local.list().size() + " " + remote.list().size());
                    } // neither is closed
                }
                """);
    }

    @AfterEach
    void cleanUp() throws IOException {
        StateDir.deleteTree(project);
        StateDir.deleteTree(STATE);
    }

    /** The fenced block that follows the marker comment. */
    private static String block(String readme, String marker, String fence) {
        int at = readme.indexOf("<!-- " + marker);
        assertTrue(at >= 0, "README.md has no <!-- " + marker + " --> block");
        int start = readme.indexOf(fence, at) + fence.length() + 1;
        int end = readme.indexOf("\n```", start);
        return readme.substring(start, end + 1);
    }

    @Test
    void theReadmeProjectRunsAContainerReadsItsOutputAndGetsItsExitInProcessAndFromADaemon()
            throws Exception {
        Run build = run(List.of("mvn", "-B", "-q", "package", "dependency:copy-dependencies"));
        assertEquals(0, build.exit, "the README's project builds: " + build.out);
        List<String> jars;
        try (Stream<Path> s = Files.list(project.resolve("target/dependency"))) {
            jars = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("nana-native-")), jars.toString());
        // the BOM pins what nana's build pins: one Guava, the -jre one nana is tested with
        assertEquals(
                List.of("guava-33.6.0-jre.jar"),
                jars.stream().filter(j -> j.startsWith("guava-")).toList(),
                jars.toString());
        for (String server :
                List.of("nana-daemon-", "grpc-services-", "protobuf-java-util-", "nana-cli-"))
            assertTrue(
                    jars.stream().noneMatch(j -> j.startsWith(server)),
                    "a client pulls in no server library, but " + server + " is in " + jars);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = "target/classes:target/dependency/*";
        String bundle = Fixture.demoBundle().toString();

        // in-process, as the README says: nothing of this checkout on the path or in properties
        Run local =
                run(
                        List.of(
                                java,
                                "--enable-native-access=ALL-UNNAMED",
                                "-cp",
                                cp,
                                "Hello",
                                bundle));
        assertSaidHello(local);

        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon();
            Run remote = run(List.of(java, "-cp", cp, "Hello", bundle, nana.socket.toString()));
            assertSaidHello(remote);
            assertEquals("", nana.run("ps", "-q").out(), "the handle's close deleted it");

            long t0 = System.nanoTime();
            Run forgetful =
                    run(
                            List.of(
                                    java,
                                    "--enable-native-access=ALL-UNNAMED",
                                    "-cp",
                                    cp,
                                    "Forgetful",
                                    STATE.toString(),
                                    nana.socket.toString()));
            assertEquals(0, forgetful.exit, forgetful.out);
            assertTrue(forgetful.out.contains("0 0"), forgetful.out);
            assertTrue(
                    System.nanoTime() - t0 < 30_000_000_000L,
                    "a JVM whose supervisors were never closed still ends");
        }
    }

    /** Hello ran: the container's output, read as a stream, then its exit code. */
    private static void assertSaidHello(Run r) {
        assertEquals(0, r.exit, r.out);
        // no logging provider in the README's project: nana says nothing of it (SLF4J would)
        assertTrue(!r.out.contains("SLF4J"), r.out);
        assertEquals("hello from nana\nexit 3\n", lastLines(r.out, 2), r.out);
    }

    private static String lastLines(String out, int n) {
        List<String> lines = out.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size())) + "\n";
    }

    private record Run(int exit, String out) {}

    private Run run(List<String> cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile(project, "run-", ".log");
        ProcessBuilder pb =
                new ProcessBuilder(new ArrayList<>(cmd))
                        .directory(project.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        pb.environment().remove("NANA_STATE_DIR");
        pb.environment().remove("NANA_ADDRESS");
        Process p = pb.start();
        boolean ended = p.waitFor(5, TimeUnit.MINUTES);
        if (!ended) p.destroyForcibly().waitFor();
        String out = Files.readString(log);
        assertTrue(ended, "did not end within 5 minutes: " + cmd + "\n" + out);
        return new Run(p.exitValue(), out);
    }
}
