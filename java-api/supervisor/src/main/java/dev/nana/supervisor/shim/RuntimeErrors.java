package dev.nana.supervisor.shim;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runtime's words for a process that could not be started, said as nana says things: which
 * command, and why, in the container's terms. runc and crun word it differently ("exec: \"x\":
 * executable file not found in $PATH", "executable file `x` not found in $PATH"); a text neither
 * matches is passed on as it is.
 */
final class RuntimeErrors {
    private RuntimeErrors() {}

    /** "<what>: <runtime binary> <exec|create>: <the runtime's text>", as the shim reports it. */
    private static final Pattern REPORT = Pattern.compile("^(.*?): (/\\S+) (exec|create): (.*)$");

    private static final Pattern RUNC = Pattern.compile("exec: \"([^\"]*)\": (.*)$");
    private static final Pattern CRUN_NOT_FOUND =
            Pattern.compile("executable file `([^`]*)` not found in \\$PATH");

    /** message explained, or itself when it is not a start failure nana knows. */
    static String explain(String message) {
        Matcher r = REPORT.matcher(message);
        if (!r.matches()) return message;
        String what = r.group(1);
        String text = r.group(4);
        Matcher runc = RUNC.matcher(text);
        if (runc.find()) {
            String why = runc.group(2);
            if (why.endsWith("no such file or directory"))
                return cannotRun(what, runc.group(1), "there is no such file in the container");
            if (why.contains("executable file not found in $PATH"))
                return cannotRun(what, runc.group(1), "it is not on the container's PATH");
            if (why.contains("permission denied"))
                return cannotRun(what, runc.group(1), "it is not executable (permission denied)");
            return message;
        }
        Matcher crun = CRUN_NOT_FOUND.matcher(text);
        if (crun.find()) {
            String cmd = crun.group(1);
            return cannotRun(
                    what,
                    cmd,
                    cmd.contains("/")
                            ? "there is no such file in the container"
                            : "it is not on the container's PATH");
        }
        if (text.contains("open executable: Permission denied"))
            return what + ": its command cannot be run: it is not executable (permission denied)";
        return message;
    }

    private static String cannotRun(String what, String cmd, String why) {
        return what + ": \"" + cmd + "\" cannot be run: " + why;
    }
}
