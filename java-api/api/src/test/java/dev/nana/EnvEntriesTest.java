package dev.nana;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvEntriesTest {
    private static ContainerSpec.Builder container() {
        return ContainerSpec.builder("env", Path.of("/bundle"));
    }

    @Test
    void twoEntriesBoundToTheTwoArgumentFormAreTwoEntries() {
        assertEquals(List.of("A=1", "B=2"), container().env("A=1", "B=2").build().env());
        assertEquals(
                List.of("A=1", "B=2"), ExecSpec.builder("true").env("A=1", "B=2").build().env());
        assertEquals(
                List.of("A=1", "B=2", "C=3"), container().env("A=1", "B=2", "C=3").build().env());
    }

    @Test
    void aNameAndAValueAreOneVariableAndTheValueMayHoldEquals() {
        assertEquals(List.of("A=1=2"), container().env("A", "1=2").build().env());
        assertEquals(List.of("A="), ExecSpec.builder("true").env("A", "").build().env());
    }

    @Test
    void aNameThatCannotBeOneIsRefusedWithWhatToWrite() {
        var e = assertThrows(InvalidArgumentException.class, () -> container().env("A=1", "x"));
        assertTrue(e.getMessage().contains("env(\"NAME\", \"value\")"), e.getMessage());
        assertThrows(InvalidArgumentException.class, () -> container().env("", "x"));
        assertThrows(InvalidArgumentException.class, () -> ExecSpec.builder("true").env("=", "x"));
        assertThrows(InvalidArgumentException.class, () -> container().env(null, "x"));
        var entry =
                assertThrows(
                        InvalidArgumentException.class,
                        () -> container().env("NOEQUALS", "A=1", "B=2").build());
        assertTrue(
                entry.getMessage().contains("\"NOEQUALS\" is not KEY=VALUE"), entry.getMessage());
        assertThrows(
                InvalidArgumentException.class,
                () -> ExecSpec.builder("true").env("=1", "B=2", "C=3").build());
    }
}
