package dev.nana.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nana.AlreadyExistsException;
import dev.nana.DeadlineExceededException;
import dev.nana.FailedPreconditionException;
import dev.nana.InvalidArgumentException;
import dev.nana.NanaException;
import dev.nana.NotFoundException;
import dev.nana.ResourceExhaustedException;
import dev.nana.UnavailableException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * nana's error family crosses gRPC as status codes and comes back as the same type with the same
 * message.
 */
class StatusesTest {
    @Test
    void eachErrorCrossesAsItsCodeWithItsMessage() {
        List<NanaException> family =
                List.of(
                        new NotFoundException("no container \"x\""),
                        new AlreadyExistsException("container \"x\" already exists"),
                        new InvalidArgumentException("bad id"),
                        new FailedPreconditionException("cannot start \"x\": it is running"),
                        new UnavailableException("runc hangs"),
                        new DeadlineExceededException("runc took too long"),
                        new ResourceExhaustedException("the daemon's requests hold 16 MiB"));
        List<Status.Code> codes =
                List.of(
                        Status.Code.NOT_FOUND,
                        Status.Code.ALREADY_EXISTS,
                        Status.Code.INVALID_ARGUMENT,
                        Status.Code.FAILED_PRECONDITION,
                        Status.Code.UNAVAILABLE,
                        Status.Code.DEADLINE_EXCEEDED,
                        Status.Code.RESOURCE_EXHAUSTED);
        for (int i = 0; i < family.size(); i++) {
            NanaException e = family.get(i);
            StatusRuntimeException wire = Statuses.toStatus(e);
            assertEquals(codes.get(i), wire.getStatus().getCode());
            NanaException back = Statuses.fromStatus(wire);
            assertEquals(e.getClass(), back.getClass());
            assertEquals(e.getMessage(), back.getMessage());
        }
    }

    @Test
    void aBugIsInternalAndSaysWhatItWas() {
        StatusRuntimeException wire = Statuses.toStatus(new IllegalStateException("boom"));
        assertEquals(Status.Code.INTERNAL, wire.getStatus().getCode());
        NanaException back = Statuses.fromStatus(wire);
        assertInstanceOf(UnavailableException.class, back);
        assertTrue(
                back.getMessage().startsWith("the nana daemon failed: nana failed: "),
                back.getMessage());
        assertTrue(back.getMessage().contains("boom"), back.getMessage());
    }
}
