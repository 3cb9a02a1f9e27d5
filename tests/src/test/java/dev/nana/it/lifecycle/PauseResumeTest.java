package dev.nana.it.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nana.it.NanaCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** pause and resume through the CLI against a daemon, checked in the cgroup freezer. */
class PauseResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** freezer.state of a process's v1 freezer cgroup (FROZEN or THAWED). */
    static String freezerState(int pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && List.of(f[1].split(",")).contains("freezer")) {
                return Files.readString(Path.of("/sys/fs/cgroup/freezer" + f[2], "freezer.state"))
                        .strip();
            }
        }
        throw new AssertionError("pid " + pid + " has no v1 freezer cgroup");
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void pauseFreezesResumeThawsAndBothSurviveADaemonRestart(String runtime) throws Exception {
        try (NanaCli nana = new NanaCli()) {
            nana.startDaemon("--runtime", runtime);
            String t0 = Instant.now().toString();
            assertEquals(0, nana.run("run", "-d", "p", "--", "sleep", "100").exit());
            int pid = JSON.readTree(nana.run("inspect", "p").out()).path("pid").asInt();
            assertEquals("THAWED", freezerState(pid));

            assertEquals(0, nana.run("pause", "p").exit());
            assertEquals("paused", nana.status("p"));
            assertEquals("FROZEN", freezerState(pid));
            NanaCli.Run twice = nana.run("pause", "p");
            assertEquals(125, twice.exit());
            assertTrue(twice.err().contains("cannot pause \"p\": it is paused"), twice.err());

            nana.killDaemon(); // a restarted daemon knows it is paused
            nana.startDaemon("--runtime", runtime);
            assertEquals("paused", nana.status("p"));

            assertEquals(0, nana.run("resume", "p").exit());
            assertEquals("running", nana.status("p"));
            assertEquals("THAWED", freezerState(pid));
            NanaCli.Run notPaused = nana.run("resume", "p");
            assertEquals(125, notPaused.exit());
            assertTrue(
                    notPaused.err().contains("only a paused container resumes"), notPaused.err());

            String events =
                    nana.run("events", "--since", t0, "--no-follow", "--filter", "id=p").out();
            assertEquals(
                    List.of("create", "start", "pause", "resume"),
                    events.lines().map(l -> l.split(" ", -1)[1]).toList(),
                    events);

            assertEquals(0, nana.run("kill", "p", "KILL").exit());
            assertEquals("137\n", nana.run("wait", "p").out());
            NanaCli.Run stopped = nana.run("pause", "p");
            assertEquals(125, stopped.exit());
            assertTrue(stopped.err().contains("cannot pause \"p\": it is stopped"), stopped.err());
            assertEquals(125, nana.run("pause", "ghost").exit());
            assertEquals(0, nana.run("rm", "p").exit());

            // a paused container is deleted with force: killed, thawed, gone
            assertEquals(0, nana.run("run", "-d", "q", "--", "sleep", "100").exit());
            assertEquals(0, nana.run("pause", "q").exit());
            assertEquals(0, nana.run("rm", "-f", "q").exit());
            assertEquals("[]", nana.run("ps", "--format", "json").out().strip());
        }
    }
}
