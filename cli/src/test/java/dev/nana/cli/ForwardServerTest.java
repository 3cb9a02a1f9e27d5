package dev.nana.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardServerTest {
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
                ForwardServer.redacted(
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
                ForwardServer.redacted(List.of("ps", "--format", "json")));
    }
}
