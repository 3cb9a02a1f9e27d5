package dev.nana;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link Supervisor#withTimeout}: every blocking call of the supervisor runs on a virtual thread of
 * its own and is waited for at most the timeout. Calls that return a future return it as is (bound
 * it with {@link CompletableFuture#orTimeout}); close() closes nothing (the view is lent).
 */
final class TimedSupervisor implements InvocationHandler {
    private final Supervisor target;
    private final Duration timeout;

    private TimedSupervisor(Supervisor target, Duration timeout) {
        this.target = target;
        this.timeout = timeout;
    }

    static Supervisor of(Supervisor target, Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero())
            throw new InvalidArgumentException("timeout " + timeout + " must be positive");
        return (Supervisor)
                Proxy.newProxyInstance(
                        Supervisor.class.getClassLoader(),
                        new Class<?>[] {Supervisor.class},
                        new TimedSupervisor(target, timeout));
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        switch (m.getName()) {
            case "close" -> {
                return null;
            }
            case "withTimeout" -> {
                return of(target, (Duration) args[0]);
            }
            case "toString" -> {
                return target + " (each call at most " + timeout + ")";
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "equals" -> {
                return identical(proxy, args[0]);
            }
            default -> {}
        }
        if (m.isDefault()) return InvocationHandler.invokeDefault(proxy, m, args);
        if (CompletableFuture.class.isAssignableFrom(m.getReturnType())) return call(m, args);
        CompletableFuture<Object> f = new CompletableFuture<>();
        Thread.ofVirtual()
                .name("nana-call-" + m.getName())
                .start(
                        () -> {
                            try {
                                f.complete(call(m, args));
                            } catch (Throwable t) {
                                f.completeExceptionally(t);
                            }
                        });
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new DeadlineExceededException(
                    m.getName()
                            + " did not finish within "
                            + timeout.toMillis()
                            + " ms; it may still complete: look with state() or list()",
                    e);
        } catch (ExecutionException e) {
            throw e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            CancellationException c =
                    new CancellationException(
                            "interrupted while waiting for "
                                    + m.getName()
                                    + "; it may still complete");
            c.initCause(e);
            throw c;
        }
    }

    @SuppressWarnings("ReferenceEquality") // a view equals only itself
    private static boolean identical(Object a, Object b) {
        return a == b;
    }

    private Object call(Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
