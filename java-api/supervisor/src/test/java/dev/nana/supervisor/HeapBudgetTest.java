package dev.nana.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.ResourceExhaustedException;
import org.junit.jupiter.api.Test;

/**
 * The heap's share for requests: lasting ones leave a quarter to the rest, and all is given back.
 */
class HeapBudgetTest {
    @Test
    void lastingRequestsLeaveAQuarterToRequestsThatEndByThemselves() {
        HeapBudget budget = new HeapBudget(1000);
        HeapBudget.Share a = budget.takeLasting(400, "a stream");
        HeapBudget.Share b = budget.takeLasting(350, "a stream");
        ResourceExhaustedException refused =
                assertThrows(
                        ResourceExhaustedException.class,
                        () -> budget.takeLasting(1, "an event subscriber"));
        assertTrue(refused.getMessage().contains("an event subscriber"), refused.getMessage());
        assertTrue(refused.getMessage().contains("try again"), refused.getMessage());
        // the reserve is there for a short one
        HeapBudget.Share c = budget.take(250, "a command");
        assertThrows(ResourceExhaustedException.class, () -> budget.take(1, "a command"));
        assertEquals(1000, budget.used());
        a.close();
        a.close(); // once only
        assertEquals(600, budget.used());
        budget.takeLasting(150, "a stream").close();
        b.close();
        c.close();
        assertEquals(0, budget.used());
    }

    @Test
    void theProcessBudgetIsHalfTheHeapUnlessSet() {
        assertEquals(Runtime.getRuntime().maxMemory() / 2, HeapBudget.PROCESS.total());
    }
}
