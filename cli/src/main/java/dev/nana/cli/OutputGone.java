package dev.nana.cli;

import java.io.IOException;

/**
 * The caller's output went away under a command (its reader exited: {@code nana logs -f x | head},
 * or a closed terminal). The command ends with one line and the shell's code for a broken pipe
 * (141), instead of streaming on to nobody or failing with a raw error.
 */
final class OutputGone extends IOException {
    private static final long serialVersionUID = 1L;

    /** 128 + SIGPIPE, what a shell reports for a writer whose reader went away. */
    static final int EXIT_CODE = 141;

    OutputGone(Throwable cause) {
        super("the reader of its output went away (" + cause.getMessage() + ")", cause);
    }
}
