package dev.nana.junit;

import dev.nana.ContainerInfo;
import dev.nana.NotFoundException;
import dev.nana.Supervisor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts the {@link NanaContainer} fields of a {@link Nana} test class and removes their containers
 * after: a static field's around the class, an instance field's around each test. A test (or a
 * lifecycle method) that takes a {@link Supervisor} parameter gets the one the containers run in.
 *
 * <p>Which nana it uses, chosen once for a run of the tests and closed when the run ends:
 *
 * <ol>
 *   <li>the daemon at {@code -Dnana.address} or {@code $NANA_ADDRESS}, which must answer;
 *   <li>else the daemon at /run/nana/nana.sock, if one answers there;
 *   <li>else nana in this process (root, and libnana from nana-native), its state in {@code
 *       -Dnana.stateDir}, {@code $NANA_STATE_DIR} or /run/nana.
 * </ol>
 *
 * <p>Every container it makes carries the label {@value #OWNER_LABEL}, the JVM's pid and start
 * time. A JVM that was killed cannot remove its containers; the first test class of the next JVM
 * that uses the same nana removes every container whose owner is no longer alive.
 */
public final class NanaExtension
        implements BeforeAllCallback,
                AfterAllCallback,
                BeforeEachCallback,
                AfterEachCallback,
                ParameterResolver {
    /** The label naming the JVM that made a container: {@code PID@START_MILLIS}. */
    public static final String OWNER_LABEL = "dev.nana.junit.owner";

    private static final String DEFAULT_SOCKET = "/run/nana/nana.sock";
    private static final AtomicLong COUNT = new AtomicLong();

    /** JUnit's constructor. */
    public NanaExtension() {}

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(NanaExtension.class);

    /**
     * The run's nana, opened and reaped on first use, in the root context's store: JUnit closes it
     * when the run ends (an AutoCloseable there is closed since JUnit 5.13).
     */
    private static final class Opened implements AutoCloseable {
        final Supervisor nana = open();

        Opened() {
            try {
                reap(nana);
            } catch (RuntimeException e) {
                nana.close();
                throw e;
            }
        }

        @Override
        public void close() {
            nana.close();
        }
    }

    private static Supervisor supervisor(ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(Opened.class, _ -> new Opened(), Opened.class)
                .nana;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Supervisor.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return supervisor(context);
    }

    private static Supervisor open() {
        String address = System.getProperty("nana.address", System.getenv("NANA_ADDRESS"));
        if (address != null && !address.isBlank()) return Supervisor.connect(Path.of(address));
        Path socket = Path.of(DEFAULT_SOCKET);
        if (answers(socket)) return Supervisor.connect(socket);
        String state = System.getProperty("nana.stateDir", System.getenv("NANA_STATE_DIR"));
        return Supervisor.builder()
                .stateDir(Path.of(state == null || state.isBlank() ? "/run/nana" : state))
                .build();
    }

    private static boolean answers(Path socket) {
        if (!Files.exists(socket)) return false;
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return c.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }

    /** This JVM, as the owner label says it. */
    static String owner(ProcessHandle p) {
        long started = p.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
        return p.pid() + "@" + started;
    }

    /** Whether the JVM an owner label names is still alive (the same process, not a reused pid). */
    static boolean alive(String owner) {
        int at = owner.indexOf('@');
        if (at <= 0) return false;
        try {
            long pid = Long.parseLong(owner.substring(0, at));
            return ProcessHandle.of(pid).map(p -> owner(p).equals(owner)).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Removes the containers of JVMs that ended without removing them. */
    static List<String> reap(Supervisor nana) {
        List<String> reaped = new ArrayList<>();
        for (ContainerInfo c : nana.list()) {
            String owner = c.labels().get(OWNER_LABEL);
            if (owner == null || alive(owner)) continue;
            try {
                nana.forceDelete(c.id());
                reaped.add(c.id());
            } catch (NotFoundException e) {
                // another JVM reaped it first
            }
        }
        return reaped;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start(context, context.getRequiredTestClass(), null);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop(context.getRequiredTestClass(), null);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        for (Object instance : context.getRequiredTestInstances().getAllInstances())
            start(context, instance.getClass(), instance);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<Object> all = new ArrayList<>(context.getRequiredTestInstances().getAllInstances());
        java.util.Collections.reverse(all);
        for (Object instance : all) stop(instance.getClass(), instance);
    }

    /** The class's (and its superclasses') container fields: static ones, or instance ones. */
    private static List<Field> fields(Class<?> type, boolean statics) {
        List<Field> out = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            List<Field> own = new ArrayList<>();
            for (Field f : c.getDeclaredFields()) {
                if (!f.isAnnotationPresent(NanaContainer.class)) continue;
                if (Modifier.isStatic(f.getModifiers()) != statics) continue;
                if (!TestContainer.class.isAssignableFrom(f.getType()))
                    throw new IllegalStateException(
                            "@NanaContainer field "
                                    + c.getName()
                                    + "."
                                    + f.getName()
                                    + " is a "
                                    + f.getType().getName()
                                    + ": declare it as a dev.nana.junit.TestContainer");
                f.setAccessible(true);
                own.add(f);
            }
            out.addAll(0, own); // a superclass's first
        }
        return out;
    }

    private static TestContainer value(Field f, Object instance) {
        try {
            TestContainer t = (TestContainer) f.get(instance);
            if (t == null)
                throw new IllegalStateException(
                        "@NanaContainer field "
                                + f.getDeclaringClass().getName()
                                + "."
                                + f.getName()
                                + " is null: give it a TestContainer.fromImage(…) or fromBundle(…)");
            return t;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(
                    "read @NanaContainer field " + f.getName() + ": " + e, e);
        }
    }

    private static void start(ExtensionContext context, Class<?> type, Object instance) {
        List<Field> fields = fields(type, instance == null);
        if (fields.isEmpty()) return;
        Supervisor nana = supervisor(context);
        List<TestContainer> started = new ArrayList<>();
        try {
            for (Field f : fields) {
                TestContainer t = value(f, instance);
                t.start(
                        nana,
                        id(f.getName()),
                        Map.of(
                                OWNER_LABEL,
                                owner(ProcessHandle.current()),
                                "dev.nana.junit.field",
                                f.getDeclaringClass().getSimpleName() + "." + f.getName()));
                started.add(t);
            }
        } catch (RuntimeException | Error e) {
            for (TestContainer t : started.reversed()) {
                try {
                    t.stop();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static void stop(Class<?> type, Object instance) {
        RuntimeException failed = null;
        for (Field f : fields(type, instance == null).reversed()) {
            try {
                value(f, instance).stop();
            } catch (RuntimeException e) {
                if (failed == null) failed = e;
                else failed.addSuppressed(e);
            }
        }
        if (failed != null) throw failed;
    }

    /** A container id from the field's name: junit-NAME-PID-N, within nana's id rules. */
    static String id(String field) {
        String name = field.replaceAll("[^A-Za-z0-9_.-]", "-");
        if (name.length() > 40) name = name.substring(0, 40);
        return "junit-"
                + name
                + "-"
                + ProcessHandle.current().pid()
                + "-"
                + COUNT.incrementAndGet();
    }
}
