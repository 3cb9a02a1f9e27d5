package dev.nana.it.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.it.Fixture;
import dev.nana.it.NanaCli;
import dev.nana.it.cri.OciLayouts;
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
 * nana-native jar, nothing from this checkout), then against a daemon; and a container from an
 * image of the store, in-process. Once on the class path, once on the module path (the README's
 * module-info, Hello in a package).
 */
class ConsumerProjectTest {
    private static final Path README = Path.of(System.getProperty("nana.home", "."), "README.md");
    private static final Path STATE = Path.of("/run/hello-nana"); // the README's own
    private Path project;

    /** Not the README's: a container from an image of the store under args[0], in-process. */
    private static final String FROM_IMAGE =
            """
            import dev.nana.Container;
            import dev.nana.ContainerSpec;
            import dev.nana.Supervisor;
            import java.nio.charset.StandardCharsets;
            import java.nio.file.Path;

            public class FromImage {
                public static void main(String[] args) throws Exception {
                    try (Supervisor nana = Supervisor.builder().stateDir(Path.of(args[0])).build();
                            Container c =
                                    nana.launch(
                                            ContainerSpec.fromImage("image-" + ProcessHandle.current().pid(), "busybox:1.36")
                                                    .args("sh", "-c", "echo from an image; id -u")
                                                    .build())) {
                        System.out.print(new String(c.output().readAllBytes(), StandardCharsets.UTF_8));
                        System.out.println("exit " + c.waitFor().code());
                    }
                }
            }
            """;

    private Path work;

    @BeforeEach
    void makeProject() throws IOException {
        String readme = Files.readString(README);
        project = Files.createTempDirectory("hello-nana-");
        work = Files.createTempDirectory(Path.of("/run"), "hello-nana-image-");
        Files.writeString(project.resolve("pom.xml"), block(readme, "consumer:pom", "```xml"));
        Path src = Files.createDirectories(project.resolve("src/main/java"));
        Files.writeString(src.resolve("Hello.java"), block(readme, "consumer:java", "```java"));
        Files.writeString(src.resolve("FromImage.java"), FROM_IMAGE);
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

    /**
     * The project as a module: the README's module-info, and its classes in package hello (a named
     * module has no unnamed package).
     */
    private void makeItAModule() throws IOException {
        Path src = project.resolve("src/main/java");
        Path pkg = Files.createDirectories(src.resolve("hello"));
        for (String name : List.of("Hello.java", "FromImage.java", "Forgetful.java"))
            Files.writeString(
                    pkg.resolve(name), "package hello;\n\n" + Files.readString(src.resolve(name)));
        for (String name : List.of("Hello.java", "FromImage.java", "Forgetful.java"))
            Files.delete(src.resolve(name));
        Files.writeString(
                src.resolve("module-info.java"),
                block(Files.readString(README), "consumer:module", "```java"));
    }

    @AfterEach
    void cleanUp() throws IOException {
        StateDir.deleteTree(project);
        StateDir.deleteTree(work);
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
        List<String> jars = build();
        for (String server :
                List.of("nana-daemon-", "grpc-services-", "protobuf-java-util-", "nana-cli-"))
            assertTrue(
                    jars.stream().noneMatch(j -> j.startsWith(server)),
                    "a client pulls in no server library, but " + server + " is in " + jars);
        // as the README runs it: nothing of this checkout on the path or in properties
        String cp = "target/classes:target/dependency/*";
        runAll(
                main -> List.of(java(), "--enable-native-access=ALL-UNNAMED", "-cp", cp, main),
                main -> List.of(java(), "-cp", cp, main));
    }

    @Test
    void theReadmeProjectRunsOnTheModulePath() throws Exception {
        makeItAModule();
        build();
        String mp = "target/classes:target/dependency";
        runAll(
                main ->
                        List.of(
                                java(),
                                "--enable-native-access=dev.nana.supervisor",
                                "-p",
                                mp,
                                "-m",
                                "hello/hello." + main),
                main ->
                        List.of(
                                java(),
                                "--enable-native-access=io.grpc.netty.shaded",
                                "-p",
                                mp,
                                "-m",
                                "hello/hello." + main));
    }

    /**
     * Builds the project and copies its dependencies; checks the BOM's pins.
     *
     * @return the dependencies' file names
     */
    private List<String> build() throws Exception {
        Run build = run(List.of("mvn", "-B", "-q", "package", "dependency:copy-dependencies"));
        assertEquals(0, build.exit, "the README's project builds: " + build.out);
        List<String> jars;
        try (Stream<Path> s = Files.list(project.resolve("target/dependency"))) {
            jars = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("nana-native-")), jars.toString());
        // the BOM pins what nana's build pins: one Guava, the -jre one nana is tested with, and no
        // grpc-context (an empty jar at gRPC 1.85, io.grpc.Context being grpc-api's)
        assertEquals(
                List.of("guava-33.6.0-jre.jar"),
                jars.stream().filter(j -> j.startsWith("guava-")).toList(),
                jars.toString());
        assertEquals(
                List.of(),
                jars.stream().filter(j -> j.startsWith("grpc-context-")).toList(),
                jars.toString());
        return jars;
    }

    /**
     * Hello in-process, FromImage in-process, Hello through a daemon, and a program that never
     * closes its supervisors; local and remote give the command line of a main class.
     */
    private void runAll(
            java.util.function.Function<String, List<String>> local,
            java.util.function.Function<String, List<String>> remote)
            throws Exception {
        String bundle = Fixture.demoBundle().toString();
        assertSaidHello(run(with(local.apply("Hello"), bundle)));
        try (NanaCli nana = new NanaCli()) {
            OciLayouts.importBusybox(nana, work, "1000");
            Run image = run(with(local.apply("FromImage"), nana.stateDir.toString()));
            assertEquals(0, image.exit, image.out);
            assertTrue(!image.out.contains("SLF4J"), image.out);
            assertEquals("from an image\n1000\nexit 0\n", lastLines(image.out, 3), image.out);

            nana.startDaemon();
            assertSaidHello(run(with(remote.apply("Hello"), bundle, nana.socket.toString())));
            assertEquals("", nana.run("ps", "-q").out(), "the handle's close deleted it");

            long t0 = System.nanoTime();
            Run forgetful =
                    run(with(local.apply("Forgetful"), STATE.toString(), nana.socket.toString()));
            assertEquals(0, forgetful.exit, forgetful.out);
            assertTrue(forgetful.out.contains("0 0"), forgetful.out);
            assertTrue(
                    System.nanoTime() - t0 < 30_000_000_000L,
                    "a JVM whose supervisors were never closed still ends");
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> with(List<String> command, String... args) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of(args));
        return all;
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
