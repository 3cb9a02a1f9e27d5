/* Process spawning for a JVM that must never fork: posix_spawn (a vfork-style
 * clone in glibc, ~0.6 ms) with an exact fd map and a clean signal state. */
#include "internal.h"
#include "nana.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

int32_t nana_spawn(const char *path, const char *const *argv, const char *const *envp,
                   const char *cwd, const int32_t *fds, int32_t nfds, int32_t flags) {
    if (path == NULL || argv == NULL || nfds < 0 || nfds > 64 || (nfds > 0 && fds == NULL))
        return -EINVAL;

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc != 0)
        return -rc;
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return -rc;
    }

    /* Two passes so that no dup2 clobbers a source still needed: first move
     * every source above all sources and targets, then into place. */
    int base = nfds;
    for (int i = 0; i < nfds; i++)
        if (fds[i] >= base)
            base = fds[i] + 1;
    for (int i = 0; i < nfds && rc == 0; i++)
        if (fds[i] >= 0)
            rc = posix_spawn_file_actions_adddup2(&fa, fds[i], base + i);
    for (int i = 0; i < nfds && rc == 0; i++) {
        if (fds[i] >= 0)
            rc = posix_spawn_file_actions_adddup2(&fa, base + i, i);
        else
            rc = posix_spawn_file_actions_addopen(&fa, i, "/dev/null", O_RDWR, 0);
    }
    if (rc == 0)
        rc = posix_spawn_file_actions_addclosefrom_np(&fa, nfds);
    if (rc == 0 && cwd != NULL)
        rc = posix_spawn_file_actions_addchdir_np(&fa, cwd);

    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    short sflags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (flags & NANA_SPAWN_SETSID)
        sflags |= POSIX_SPAWN_SETSID;
    if (rc == 0)
        rc = posix_spawnattr_setsigmask(&attr, &none);
    if (rc == 0)
        rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (rc == 0)
        rc = posix_spawnattr_setflags(&attr, sflags);

    pid_t pid = -1;
    if (rc == 0)
        rc = posix_spawn(&pid, path, &fa, &attr, (char *const *)argv,
                         (char *const *)(envp != NULL ? envp : (const char *const *)environ));
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return rc == 0 ? (int32_t)pid : -rc;
}

int32_t nana_waitpid(int32_t pid, int32_t *status, int32_t nohang) {
    if (pid <= 0)
        return -EINVAL; /* never -1: the JVM reaps only what it spawned */
    int st = 0;
    pid_t r;
    do
        r = waitpid(pid, &st, nohang ? WNOHANG : 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return NANA_NEG_ERRNO();
    if (status != NULL)
        *status = st;
    return (int32_t)r;
}

int32_t nana_exit_code(int32_t wait_status) {
    if (WIFEXITED(wait_status))
        return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status))
        return 128 + WTERMSIG(wait_status);
    return -EINVAL;
}
