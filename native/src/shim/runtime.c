#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "nana.h"

#define MAX_ARGV 96

/* In the forked child: everything here is async-signal-safe or followed by _exit. */
static __attribute__((noreturn)) void exec_runtime(const struct runtime *rt, char *const *argv,
                                                   const int stdio[3], int private_mounts) {
    for (int i = 0; i < 3; i++) {
        int fd = stdio[i] >= 0 ? stdio[i] : open("/dev/null", O_RDWR);
        if (fd < 0 || dup2(fd, i) < 0)
            _exit(126);
    }
    if (private_mounts) {
        /* crun 1.8 refuses hybrid cgroups ("drop all controllers from
         * cgroupv2"): hide the unified mount from it, and from it only. */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
            _exit(126);
        umount2("/sys/fs/cgroup/unified", MNT_DETACH);
    }
    close_range(3, ~0U, 0); /* no shim descriptor, least of all the exit FIFO, leaks */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    execv(rt->path, argv);
    _exit(127);
}

int runtime_call(const struct runtime *rt, const char *const *sub, const int stdio[3],
                 int private_mounts, nana_err *err) {
    const char *argv[MAX_ARGV];
    int n = 0;
    argv[n++] = rt->path;
    for (int i = 0; i < rt->nargs && n < MAX_ARGV - 8; i++)
        argv[n++] = rt->args[i];
    argv[n++] = "--log";
    argv[n++] = rt->log_path;
    argv[n++] = "--log-format";
    argv[n++] = "json";
    for (int i = 0; sub[i] != NULL; i++) {
        if (n >= MAX_ARGV - 1)
            return nerr_set(err, E2BIG, "%s %s: too many arguments", rt->path, sub[0]);
        argv[n++] = sub[i];
    }
    argv[n] = NULL;

    struct stat st;
    long log_offset = stat(rt->log_path, &st) == 0 ? (long)st.st_size : 0;

    pid_t pid = fork();
    if (pid < 0)
        return nerr_set(err, errno, "fork for %s %s", rt->path, sub[0]);
    if (pid == 0)
        exec_runtime(rt, (char *const *)argv, stdio, private_mounts && rt->unshare_cgroup2);

    int status = 0;
    int r = nana_waitpid(pid, &status, 0);
    if (r < 0)
        return nerr_set(err, -r, "wait for %s %s", rt->path, sub[0]);
    int code = nana_exit_code(status);
    if (code == 0)
        return 0;
    char why[1024];
    if (code == 127)
        return nerr_set(err, 0, "%s %s: cannot execute \"%s\"", rt->path, sub[0], rt->path);
    if (log_last_error(rt->log_path, log_offset, why, sizeof why))
        return nerr_set(err, 0, "%s %s: %s", rt->path, sub[0], why);
    if (WIFSIGNALED(status))
        return nerr_set(err, 0, "%s %s: killed by signal %d (%s)", rt->path, sub[0],
                        WTERMSIG(status), strsignal(WTERMSIG(status)));
    return nerr_set(err, 0, "%s %s: exited with status %d", rt->path, sub[0], code);
}
