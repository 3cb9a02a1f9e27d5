package dev.nana.cli;

import dev.nana.spi.CommandRunner.Terminal;
import dev.nana.supervisor.os.Fd;
import dev.nana.supervisor.os.LibNana;
import dev.nana.supervisor.os.OsException;
import java.io.File;
import java.io.IOException;
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
        return LibNana.isatty(STDIN);
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
        try {
            int[] size = LibNana.termSize(STDIN);
            return size[0] > 0 && size[1] > 0 ? size : null;
        } catch (OsException e) {
            return null; // not a terminal after all
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

    private static final Fd STDIN = new Fd(0); // never closed through this Fd
    private static final Duration RESIZE_POLL = Duration.ofMillis(200);
}
