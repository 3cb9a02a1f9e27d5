package dev.nana.daemon.forward;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The thin CLI's protocol with the daemon, named once on this side as native/src/client/forward.h
 * names it on the other (ForwardProtocolDriftTest keeps the two equal). Big-endian integers on the
 * unix stream socket {@code <daemon address>.cli}:
 *
 * <pre>
 * client → daemon  u32 length, then: "NANA" u32 version
 *                  u32 argc {u32 len, bytes}… u32 envc {u32 len, "K=V"}… u32 len, cwd
 *                  (SCM_RIGHTS with the first bytes: stdin, stdout, stderr)
 * client → daemon  'S' u32 signal              a signal the client received
 * client → daemon  'W' u32 rows &lt;&lt; 16 | cols   its terminal's size (at once, and on SIGWINCH)
 * daemon → client  'A' u32 0                   the request is whole and its command runs
 * daemon → client  'R' u32 on                  raw mode on (1) or back off (0), for run -it
 * daemon → client  'X' u32 code                the command's exit code; then close
 * daemon → client  'B' u32 limit               refused: the daemon serves its limit of clients
 * </pre>
 *
 * <p>Every length and count in a request is checked against the limits below and against the bytes
 * that actually came, before anything is allocated for it.
 */
final class ForwardProtocol {
    static final String MAGIC = "NANA";
    static final int VERSION = 2;
    static final byte SIGNAL = 'S';
    static final byte WINSIZE = 'W';
    static final byte ACCEPTED = 'A';
    static final byte RAW = 'R';
    static final byte EXIT = 'X';
    static final byte BUSY = 'B';

    /** Every frame after the request: a type byte and a u32 (FORWARD_FRAME). */
    static final int FRAME = 5;

    /**
     * A request's size at most: argv, environment and working directory. Linux itself caps a
     * command line and environment at 2 MiB together with 128 KiB a string; a CLI call's are a few
     * KiB.
     */
    static final int MAX_REQUEST = 1 << 20;

    /** Arguments at most, and environment entries at most. */
    static final int MAX_ARGS = 4096;

    static final int MAX_ENV = 4096;

    private ForwardProtocol() {}

    /** A request that breaks the protocol or a limit; the message names which. */
    static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message);
        }
    }

    record Request(List<String> args, Map<String, String> env, Path cwd) {
        /** Parses a request's body (after its length), every count checked before use. */
        static Request parse(ByteBuffer b) throws BadRequest {
            if (b.remaining() < 8)
                throw new BadRequest("a request of " + b.remaining() + " bytes is too short");
            byte[] magic = new byte[4];
            b.get(magic);
            int version = b.getInt();
            if (!new String(magic, StandardCharsets.US_ASCII).equals(MAGIC) || version != VERSION) {
                throw new BadRequest(
                        "not a nana forwarding request of version "
                                + VERSION
                                + " (a thin client of another nana version? use the bin/nana of the daemon's build)");
            }
            List<String> args = strings(b, MAX_ARGS, "arguments");
            Map<String, String> env = new HashMap<>();
            for (String kv : strings(b, MAX_ENV, "environment entries")) {
                int eq = kv.indexOf('=');
                if (eq > 0) env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            String cwd = string(b, "working directory");
            if (b.hasRemaining())
                throw new BadRequest(b.remaining() + " bytes after the request's end");
            try {
                Path p = Path.of(cwd);
                if (!p.isAbsolute())
                    throw new BadRequest("working directory \"" + cwd + "\" is not absolute");
                return new Request(List.copyOf(args), env, p);
            } catch (InvalidPathException e) {
                throw new BadRequest("working directory is not a path: " + e.getReason());
            }
        }

        private static List<String> strings(ByteBuffer b, int max, String what) throws BadRequest {
            int n = count(b, what);
            if (n > max)
                throw new BadRequest(n + " " + what + ": the most a request may carry is " + max);
            // each string takes 4 bytes at least: a count the bytes cannot hold is a lie
            if ((long) n * 4 > b.remaining())
                throw new BadRequest(n + " " + what + " claimed in " + b.remaining() + " bytes");
            List<String> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) out.add(string(b, what));
            return out;
        }

        private static String string(ByteBuffer b, String what) throws BadRequest {
            int len = count(b, what);
            if (len > b.remaining())
                throw new BadRequest(
                        "a string of "
                                + len
                                + " bytes claimed in "
                                + b.remaining()
                                + " ("
                                + what
                                + ")");
            String s =
                    new String(
                            b.array(), b.arrayOffset() + b.position(), len, StandardCharsets.UTF_8);
            b.position(b.position() + len);
            return s;
        }

        private static int count(ByteBuffer b, String what) throws BadRequest {
            if (b.remaining() < 4) throw new BadRequest("the request ends inside its " + what);
            int n = b.getInt();
            if (n < 0) throw new BadRequest("a negative count or length (" + what + ")");
            return n;
        }
    }
}
