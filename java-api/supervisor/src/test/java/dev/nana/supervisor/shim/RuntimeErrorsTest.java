package dev.nana.supervisor.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** runc's and crun's words for a command that cannot be started (as runc 1.1 and crun 1.8 say). */
class RuntimeErrorsTest {
    @Test
    void aCommandThatCannotStartIsNamedWithWhyInTheContainersTerms() {
        assertEquals(
                "exec in \"x\": \"/nonexistent\" cannot be run: there is no such file in the"
                        + " container",
                RuntimeErrors.explain(
                        "exec in \"x\": /usr/sbin/runc exec: exec failed: unable to start container"
                                + " process: exec: \"/nonexistent\": stat /nonexistent: no such file"
                                + " or directory"));
        assertEquals(
                "create \"r\": \"nosuch\" cannot be run: it is not on the container's PATH",
                RuntimeErrors.explain(
                        "create \"r\": /usr/sbin/runc create: runc create failed: unable to start"
                                + " container process: exec: \"nosuch\": executable file not found"
                                + " in $PATH"));
        assertEquals(
                "exec in \"x\": \"/etc/passwd\" cannot be run: it is not executable (permission"
                        + " denied)",
                RuntimeErrors.explain(
                        "exec in \"x\": /usr/sbin/runc exec: exec failed: unable to start container"
                                + " process: exec: \"/etc/passwd\": permission denied"));
        assertEquals(
                "exec in \"x\": \"/nonexistent\" cannot be run: there is no such file in the"
                        + " container",
                RuntimeErrors.explain(
                        "exec in \"x\": /usr/bin/crun exec: executable file `/nonexistent` not found"
                                + " in $PATH: No such file or directory"));
        assertEquals(
                "exec in \"x\": \"nosuch\" cannot be run: it is not on the container's PATH",
                RuntimeErrors.explain(
                        "exec in \"x\": /usr/bin/crun exec: executable file `nosuch` not found in"
                                + " $PATH: No such file or directory"));
        assertEquals(
                "exec in \"x\": its command cannot be run: it is not executable (permission"
                        + " denied)",
                RuntimeErrors.explain(
                        "exec in \"x\": /usr/bin/crun exec: open executable: Permission denied"));
    }

    @Test
    void whatItDoesNotKnowIsPassedOnAsItIs() {
        String other = "create \"r\": /usr/sbin/runc create: cgroup: something else went wrong";
        assertEquals(other, RuntimeErrors.explain(other));
        assertEquals("no such container", RuntimeErrors.explain("no such container"));
    }
}
