package dev.nana.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.ContainerSpec;
import dev.nana.Supervisor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Forwarded commands run on reused command trees: nothing of one command may reach the next. */
class ForwardedTreeTest {
    private final List<Object[]> calls = new ArrayList<>();

    /**
     * A daemon's supervisor that records what it is asked (kill, create) and answers nothing else.
     */
    private Supervisor recording() {
        return (Supervisor)
                Proxy.newProxyInstance(
                        getClass().getClassLoader(),
                        new Class<?>[] {Supervisor.class},
                        (proxy, method, args) -> {
                            if (method.getName().equals("kill")
                                    || method.getName().equals("create")) calls.add(args);
                            return null;
                        });
    }

    private int forward(Supervisor s, Path cwd, String... args) {
        Io io =
                new Io(
                        new ByteArrayInputStream(new byte[0]),
                        new ByteArrayOutputStream(),
                        new ByteArrayOutputStream(),
                        Map.of(),
                        cwd,
                        s,
                        new SystemTerminal(),
                        handler -> {});
        return NanaCommand.executeForwarded(io, args);
    }

    @Test
    void optionsAndListsAreResetBetweenCommands(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("config.json"),
                "{\"process\":{\"args\":[\"sh\"]},\"root\":{\"path\":\"rootfs\"}}");
        Supervisor s = recording();
        // many times, so that the same trees serve commands one after another
        for (int round = 0; round < NanaCommand.MAX_IDLE_TREES + 2; round++) {
            calls.clear();
            assertEquals(0, forward(s, dir, "kill", "--all", "a", "KILL"));
            assertEquals(0, forward(s, dir, "kill", "b"));
            assertEquals(List.of("a", 9, true), List.of(calls.get(0)));
            assertEquals(
                    List.of("b", 15, false),
                    List.of(calls.get(1)),
                    "--all and the signal of the kill before are gone (TERM by default)");

            forward(
                    s,
                    dir,
                    "create",
                    "--bundle",
                    ".",
                    "-e",
                    "SECRET=1",
                    "-l",
                    "k=v",
                    "--memory",
                    "16m",
                    "c",
                    "--",
                    "sleep",
                    "1");
            forward(s, dir, "create", "--bundle", ".", "d");
            ContainerSpec first = (ContainerSpec) calls.get(2)[0];
            ContainerSpec second = (ContainerSpec) calls.get(3)[0];
            assertEquals(List.of("SECRET=1"), first.env());
            assertEquals(Map.of("k", "v"), first.labels());
            assertEquals(List.of("sleep", "1"), first.args());
            assertEquals("d", second.id());
            assertEquals(List.of(), second.env(), "no environment of the command before");
            assertEquals(Map.of(), second.labels());
            assertEquals(null, second.memoryLimitBytes());
            assertEquals(List.of(), second.args(), "no command: the bundle's own");
        }
    }

    @Test
    void aForwardedCommandRunsOnATreeOfItsOwnSubcommand() {
        assertEquals("ps", NanaCommand.subcommandOf(new String[] {"ps"}));
        assertEquals(
                "wait", NanaCommand.subcommandOf(new String[] {"--address", "/x", "wait", "a"}));
        assertEquals(
                "rm", NanaCommand.subcommandOf(new String[] {"--state-dir=/s", "rm", "-f", "a"}));
        assertEquals("image", NanaCommand.subcommandOf(new String[] {"image", "ls"}));
        // these need the whole tree
        assertNull(NanaCommand.subcommandOf(new String[] {"help", "run"}));
        assertNull(NanaCommand.subcommandOf(new String[] {"completion"}));
        assertNull(NanaCommand.subcommandOf(new String[] {"--version"}));
        assertNull(NanaCommand.subcommandOf(new String[] {"nosuch"}));
        assertNull(NanaCommand.subcommandOf(new String[] {"--address"}));
        assertNull(NanaCommand.subcommandOf(new String[0]));
    }

    @Test
    void commandsThatNeedTheWholeTreeStillGetIt(@TempDir Path dir) {
        Supervisor s = recording();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io =
                new Io(
                        new ByteArrayInputStream(new byte[0]),
                        out,
                        err,
                        Map.of(),
                        dir,
                        s,
                        new SystemTerminal(),
                        handler -> {});
        assertEquals(0, NanaCommand.executeForwarded(io, new String[] {"help"}));
        String help = out.toString(UTF_8);
        assertTrue(help.contains("ps") && help.contains("wait") && help.contains("image"), help);
        assertEquals(2, NanaCommand.executeForwarded(io, new String[] {"inspcet", "a"}));
        assertTrue(err.toString(UTF_8).contains("inspect"), "picocli suggests the command: " + err);
        // and a tree of one command parses what the whole one would
        out.reset();
        assertEquals(0, NanaCommand.executeForwarded(io, new String[] {"run", "--help"}));
        assertTrue(out.toString(UTF_8).contains("--detach"), out.toString(UTF_8));
    }
}
