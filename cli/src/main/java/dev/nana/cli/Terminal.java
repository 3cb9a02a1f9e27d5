package dev.nana.cli;

import dev.nana.os.Fd;
import dev.nana.os.LibNana;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The caller's terminal, for {@code run -it}: whether stdin is one, raw mode on and off,
 * its size, and a hook for its resizes. The JVM CLI drives its own terminal with stty(1)
 * and SIGWINCH; a command forwarded by the thin client asks the client to (see
 * ForwardServer), since the client owns the terminal and restores it however it exits.
 */
interface Terminal {
    boolean isTty();

    void raw(boolean on);

    /** Rows and columns, or null when unknown. */
    int[] size();

    void onResize(Runnable handler);

    /** This JVM's own terminal. */
    static Terminal system() {
        return new SystemTerminal();
    }

    final class SystemTerminal implements Terminal {
        private String saved;

        @Override
        public boolean isTty() {
            return LibNana.isatty(new Fd(0)); // fd 0 is never closed through this Fd
        }

        private static String stty(String... args) {
            try {
                String[] cmd = new String[args.length + 1];
                cmd[0] = "stty";
                System.arraycopy(args, 0, cmd, 1, args.length);
                Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/tty"))
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
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
            String s = stty("size");
            if (s == null) return null;
            String[] f = s.split(" ");
            try {
                return new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1])};
            } catch (RuntimeException e) {
                return null;
            }
        }

        @Override
        @SuppressWarnings("restriction")
        public void onResize(Runnable handler) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), sig -> handler.run());
            } catch (IllegalArgumentException e) {
                // no SIGWINCH here: the size stays as it was
            }
        }
    }
}
