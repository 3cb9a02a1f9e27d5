package dev.nana.cli;

import dev.nana.spi.CommandRunner.Terminal;
import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * This JVM's own terminal, for {@code run -it} in the JVM CLI: stty(1) for raw mode, an ioctl for
 * its size. A command forwarded by the thin client gets the client's terminal from the daemon
 * instead, since the client owns it and restores it however it exits.
 */
final class SystemTerminal implements Terminal {
    private String saved;

    @Override
    public boolean isTty() {
        try {
            return (int) ISATTY.invokeExact(STDIN) == 1;
        } catch (Throwable e) {
            throw new IllegalStateException("isatty(0): " + e, e);
        }
    }

    private static String stty(String... args) {
        try {
            String[] cmd = new String[args.length + 1];
            cmd[0] = "stty";
            System.arraycopy(args, 0, cmd, 1, args.length);
            Process p =
                    new ProcessBuilder(cmd)
                            .redirectInput(new File("/dev/tty"))
                            .redirectError(ProcessBuilder.Redirect.DISCARD)
                            .start();
            String out =
                    new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public synchronized void raw(boolean on) {
        if (on && saved == null) {
            saved = stty("-g");
            stty("raw", "-echo");
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> raw(false)));
        } else if (!on && saved != null) {
            stty(saved);
            saved = null;
        }
    }

    @Override
    public int[] size() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8); // struct winsize: rows, cols, x and y pixels
            if ((int) IOCTL.invokeExact(STDIN, TIOCGWINSZ, ws) != 0)
                return null; // not a terminal after all
            int rows = Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 0));
            int cols = Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 2));
            return rows > 0 && cols > 0 ? new int[] {rows, cols} : null;
        } catch (Throwable e) {
            throw new IllegalStateException("ioctl(0, TIOCGWINSZ): " + e, e);
        }
    }

    /**
     * Follows the size by asking the terminal five times a second (an ioctl each, no process) on a
     * virtual thread: the JVM keeps SIGWINCH to itself, and only an internal API (sun.misc.Signal)
     * would hand it over.
     */
    @Override
    public void onResize(Runnable handler) {
        Thread.ofVirtual()
                .name("nana-resize")
                .start(
                        () -> {
                            int[] last = size();
                            while (true) {
                                try {
                                    Thread.sleep(RESIZE_POLL);
                                } catch (InterruptedException e) {
                                    return;
                                }
                                int[] now = size();
                                if (now != null && !Arrays.equals(now, last)) {
                                    last = now;
                                    handler.run();
                                }
                            }
                        });
    }

    // isatty(3) and ioctl(2) of libc, bound here: the CLI's own terminal needs no part of the
    // supervisor's binding of libnana
    private static final int STDIN = 0;
    private static final long TIOCGWINSZ = 0x5413;
    private static final MethodHandle ISATTY =
            libc("isatty", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle IOCTL =
            libc(
                    "ioctl",
                    FunctionDescriptor.of(
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS),
                    Linker.Option.firstVariadicArg(2));

    @SuppressWarnings("restricted") // a downcall is the point; bin/nana-jvm enables native access
    private static MethodHandle libc(String name, FunctionDescriptor fn, Linker.Option... options) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), fn, options);
    }

    private static final Duration RESIZE_POLL = Duration.ofMillis(200);
}
