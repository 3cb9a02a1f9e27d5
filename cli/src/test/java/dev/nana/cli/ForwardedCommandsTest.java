package dev.nana.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nana.spi.CommandRunner;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardedCommandsTest {
    private final ForwardedCommands commands = new ForwardedCommands();

    @Test
    void aLoggedCommandLineHidesEnvironmentValuesAndTheContainersCommand() {
        assertEquals(
                List.of(
                        "run",
                        "-e",
                        "TOKEN=***",
                        "--env",
                        "B=***",
                        "--env=C=***",
                        "-eD=***",
                        "--rm",
                        "web",
                        "-- (3 args)"),
                commands.redacted(
                        List.of(
                                "run",
                                "-e",
                                "TOKEN=abc",
                                "--env",
                                "B=x=y",
                                "--env=C=1",
                                "-eD=2",
                                "--rm",
                                "web",
                                "--",
                                "sh",
                                "-c",
                                "SECRET=1 exec app")));
        assertEquals(
                List.of("ps", "--format", "json"),
                commands.redacted(List.of("ps", "--format", "json")));
    }

    @Test
    void theServerLearnsWhichSubcommandAndWhetherItLasts() {
        assertEquals(
                new CommandRunner.Kind("ps", false),
                commands.kindOf(List.of("--address", "/x", "ps", "-a")));
        assertEquals(
                new CommandRunner.Kind("logs", true), commands.kindOf(List.of("logs", "-f", "a")));
        assertEquals(
                new CommandRunner.Kind("run", true), commands.kindOf(List.of("run", "--rm", "a")));
        // help and unknown commands need the whole tree
        assertEquals(new CommandRunner.Kind(null, false), commands.kindOf(List.of("help", "run")));
        assertEquals(new CommandRunner.Kind(null, false), commands.kindOf(List.of("nosuch")));
    }
}
