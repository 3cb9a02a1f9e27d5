package dev.nana.grpc;

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

/** nana's error family and gRPC status codes, both ways, with the same messages. */
public final class Statuses {
    private Statuses() {}

    public static StatusRuntimeException toStatus(RuntimeException e) {
        Status code =
                switch (e) {
                    case NotFoundException x -> Status.NOT_FOUND;
                    case AlreadyExistsException x -> Status.ALREADY_EXISTS;
                    case InvalidArgumentException x -> Status.INVALID_ARGUMENT;
                    case FailedPreconditionException x -> Status.FAILED_PRECONDITION;
                    case UnavailableException x -> Status.UNAVAILABLE;
                    case DeadlineExceededException x -> Status.DEADLINE_EXCEEDED;
                    case ResourceExhaustedException x -> Status.RESOURCE_EXHAUSTED;
                    default -> Status.INTERNAL;
                };
        String message = e instanceof NanaException ? e.getMessage() : "nana failed: " + e;
        return code.withDescription(message).asRuntimeException();
    }

    public static NanaException fromStatus(StatusRuntimeException e) {
        String m =
                e.getStatus().getDescription() != null
                        ? e.getStatus().getDescription()
                        : e.getStatus().getCode().toString();
        return switch (e.getStatus().getCode()) {
            case NOT_FOUND -> new NotFoundException(m, e);
            case ALREADY_EXISTS -> new AlreadyExistsException(m, e);
            case INVALID_ARGUMENT -> new InvalidArgumentException(m, e);
            case FAILED_PRECONDITION -> new FailedPreconditionException(m, e);
            case DEADLINE_EXCEEDED -> new DeadlineExceededException(m, e);
            case RESOURCE_EXHAUSTED -> new ResourceExhaustedException(m, e);
            default ->
                    new UnavailableException(
                            e.getStatus().getCode() == Status.Code.UNAVAILABLE
                                    ? m
                                    : "the nana daemon failed: " + m,
                            e);
        };
    }
}
