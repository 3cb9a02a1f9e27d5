/* Processes: signals, subreaper, start time (pid reuse) and pidfds. */
#include "internal.h"
#include "nana.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int32_t nana_kill(int32_t pid, int32_t sig) {
    if (pid <= 0)
        return -EINVAL; /* never a process group or everyone */
    return kill(pid, sig) == 0 ? 0 : NANA_NEG_ERRNO();
}

int32_t nana_kill_group(int32_t pgid, int32_t sig) {
    if (pgid <= 1)
        return -EINVAL; /* never init's group, nor everyone */
    return kill(-pgid, sig) == 0 ? 0 : NANA_NEG_ERRNO();
}

int32_t nana_set_subreaper(int32_t on) {
    return prctl(PR_SET_CHILD_SUBREAPER, on ? 1UL : 0UL, 0, 0, 0) == 0 ? 0 : NANA_NEG_ERRNO();
}

int nana__read_small_file(const char *path, char *buf, size_t len) {
    if (len == 0)
        return -EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NANA_NEG_ERRNO();
    size_t got = 0;
    while (got < len - 1) {
        ssize_t n = read(fd, buf + got, len - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    return (int)got;
}

int nana__parse_stat_starttime(const char *stat, uint64_t *out) {
    const char *p = strrchr(stat, ')');
    if (p == NULL)
        return -EINVAL;
    p++;
    /* after comm: field 3 (state) ... field 22 (starttime): skip 19 fields */
    for (int field = 3; field < 22; field++) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            return -EINVAL;
        while (*p != ' ' && *p != '\0')
            p++;
    }
    while (*p == ' ')
        p++;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (end == p || errno != 0)
        return -EINVAL;
    *out = (uint64_t)v;
    return 0;
}

int32_t nana_proc_starttime(int32_t pid, uint64_t *out) {
    if (pid <= 0 || out == NULL)
        return -EINVAL;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%" PRId32 "/stat", pid);
    int n = nana__read_small_file(path, buf, sizeof buf);
    if (n < 0)
        return n == -ENOENT ? -ESRCH : n;
    /* a zombie has exited: its fds (an exit FIFO's write end, say) are closed already */
    const char *close_paren = strrchr(buf, ')');
    if (close_paren != NULL && (close_paren[2] == 'Z' || close_paren[2] == 'X'))
        return -ESRCH;
    return nana__parse_stat_starttime(buf, out);
}

int32_t nana_pidfd_open(int32_t pid) {
#ifdef SYS_pidfd_open
    long fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
    return fd < 0 ? NANA_NEG_ERRNO() : (int32_t)fd; /* pidfds are always close-on-exec */
#else
    (void)pid;
    return -ENOSYS;
#endif
}

int32_t nana_pidfd_send_signal(int32_t pidfd, int32_t sig) {
#ifdef SYS_pidfd_send_signal
    return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0 ? 0 : NANA_NEG_ERRNO();
#else
    (void)pidfd;
    (void)sig;
    return -ENOSYS;
#endif
}
