package dev.nana.it.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.nana.ExecHandle;
import dev.nana.ExecSpec;
import dev.nana.Supervisor;
import dev.nana.it.Leaks;
import dev.nana.it.NanaCli;
import dev.nana.it.cri.OciLayouts;
import dev.nana.junit.Nana;
import dev.nana.junit.NanaContainer;
import dev.nana.junit.NanaExtension;
import dev.nana.junit.TestContainer;
import dev.nana.supervisor.state.StateDir;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * nana-junit as a user's build runs it: a {@link Nana} test class ({@link WebServer}) whose static
 * container is a web server from an image, waited for at its port and asked for a page over HTTP,
 * and whose instance container is waited for by a line of its output, one for each test. Run by
 * JUnit's launcher (so that what it leaves can be checked after), in-process as the extension
 * chooses by default; a container left by a JVM that was killed is reaped as it starts.
 */
class NanaJunitTest {
    /** The web server's port (the container shares the host's network). */
    static final int PORT = 18_781;

    /** The ids the inner class's tests saw. */
    static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

    @Nana
    static class WebServer {
        @NanaContainer
        static final TestContainer web =
                TestContainer.fromImage("busybox:1.36")
                        .args(
                                "sh",
                                "-c",
                                "mkdir -p /www && echo hello from nana > /www/index.html"
                                        + " && exec httpd -f -p "
                                        + PORT
                                        + " -h /www")
                        .waitForPort(PORT);

        @NanaContainer
        final TestContainer worker =
                TestContainer.fromImage("busybox:1.36")
                        .args("sh", "-c", "echo starting; sleep 0.3; echo ready; exec sleep 1000")
                        .waitForLog("^ready$");

        @Test
        void theWebServerAnswers() throws Exception {
            HttpResponse<String> r =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(
                                                    URI.create(
                                                            "http://"
                                                                    + web.host()
                                                                    + ":"
                                                                    + web.port(PORT)
                                                                    + "/index.html"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("hello from nana\n", r.body());
            SEEN.add(web.id());
            SEEN.add(worker.id());
        }

        @Test
        void eachTestHasItsOwnWorker(Supervisor nana) throws Exception {
            assertTrue(worker.logs().contains("starting\nready\n"), worker.logs());
            assertTrue(worker.container().isAlive());
            try (ExecHandle ls = worker.container().launch(ExecSpec.of("sh", "-c", "ls /"))) {
                assertTrue(ls.lines().toList().contains("etc"));
                assertEquals(0, ls.waitFor().code());
            }
            // the supervisor the containers run in: the class's web server and this test's worker,
            // the stale container of a killed JVM reaped before either started
            assertEquals(
                    Set.of(web.id(), worker.id()),
                    Set.copyOf(
                            nana.list().stream()
                                    .filter(c -> c.labels().containsKey(NanaExtension.OWNER_LABEL))
                                    .map(c -> c.id())
                                    .toList()));
            SEEN.add(web.id());
            SEEN.add(worker.id());
        }
    }

    @Test
    void aTestClassGetsAWebServerFromAnImageAndLeavesNothingBehind() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/run"), "nana-junit-");
        try (NanaCli nana = new NanaCli()) {
            OciLayouts.importBusybox(nana, work, "0");
            // a JVM that was killed left this one: its owner (a process that ended) is gone
            Process gone = new ProcessBuilder("true").start();
            String owner =
                    gone.pid() + "@" + gone.info().startInstant().orElseThrow().toEpochMilli();
            gone.waitFor();
            NanaCli.Run stale =
                    nana.run(
                            "run",
                            "-d",
                            "--label",
                            NanaExtension.OWNER_LABEL + "=" + owner,
                            "--image",
                            "busybox:1.36",
                            "stale",
                            "--",
                            "sh",
                            "-c",
                            "sleep 1000");
            assertEquals(0, stale.exit(), stale.err());

            // the extension's default: nana in this process, its state where the user says
            System.setProperty("nana.stateDir", nana.stateDir.toString());
            SummaryGeneratingListener summary = new SummaryGeneratingListener();
            Launcher launcher = LauncherFactory.create();
            launcher.execute(
                    LauncherDiscoveryRequestBuilder.request()
                            .selectors(selectClass(WebServer.class))
                            .filters(EngineFilter.includeEngines("junit-jupiter"))
                            .build(),
                    summary);
            TestExecutionSummary s = summary.getSummary();
            StringBuilder failures = new StringBuilder();
            s.getFailures()
                    .forEach(
                            f ->
                                    failures.append(f.getTestIdentifier().getDisplayName())
                                            .append(": ")
                                            .append(f.getException())
                                            .append('\n'));
            assertEquals(0, s.getTotalFailureCount(), failures.toString());
            assertEquals(2, s.getTestsSucceededCount(), failures.toString());

            // one web server for the class, a worker for each test
            assertEquals(3, SEEN.size(), SEEN.toString());
            assertTrue(SEEN.stream().allMatch(id -> id.startsWith("junit-")), SEEN.toString());

            // nothing behind: the stale container reaped, no container, mount or state folder
            assertEquals("", nana.run("ps", "-aq").out(), "every container is gone");
            assertEquals(List.of(), Leaks.mounts(nana.stateDir));
            assertEquals(List.of(), Leaks.settled(() -> Leaks.stateFolders(nana.stateDir)));
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(
                        new java.net.InetSocketAddress(
                                java.net.InetAddress.getLoopbackAddress(), PORT),
                        1000);
                throw new AssertionError("port " + PORT + " still accepts: the server runs on");
            } catch (java.net.ConnectException expected) {
                // refused: the web server went with its container
            }
        } finally {
            System.clearProperty("nana.stateDir");
            StateDir.deleteTree(work);
        }
    }
}
