package dev.nana;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContainerIdTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "web-1", "A.b_c-9", "0"})
    void acceptsSafeNames(String id) {
        assertEquals(id, ContainerId.require(id, "container id"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../x", "a/b", ".hidden", "-x", "x y", "é", "a\0b", ".."})
    void refusesAnythingThatCouldBeAPath(String id) {
        var e =
                assertThrows(
                        InvalidArgumentException.class,
                        () -> ContainerId.require(id, "container id"));
        assertTrue(e.getMessage().startsWith("container id"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {76, 77})
    void limitsLength(int n) {
        String id = "a".repeat(n);
        if (n <= 76) assertEquals(id, ContainerId.require(id, "id"));
        else assertThrows(InvalidArgumentException.class, () -> ContainerId.require(id, "id"));
    }
}
