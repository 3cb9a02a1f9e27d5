#include "startfifo.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#define POLL_MS 50 /* how often a wait for init looks whether it died meanwhile */

/* Whether pid has exited, without reaping it: the shim's serve loop reaps and records it. */
static int exited(pid_t pid) {
    siginfo_t info = {0};
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0)
        return errno == ECHILD; /* not ours to wait for: gone */
    return info.si_pid == pid;
}

/* runc: init writes a byte and execs; its end closes with the exec. Read until then. */
static int release_by_reading(const char *path, pid_t pid, nana_err *err) {
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return START_FIFO_ABSENT;
    if (fd < 0)
        return nerr_set(err, errno, "open \"%s\"", path);
    size_t got = 0;
    for (;;) {
        char buf[64];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN) {
            int e = errno;
            close(fd);
            return nerr_set(err, e, "read \"%s\"", path);
        }
        /* n == 0 is EOF only once a writer came and went; before that, as EAGAIN, wait */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, POLL_MS);
        if (r < 0 && errno != EINTR) {
            int e = errno;
            close(fd);
            return nerr_set(err, e, "poll \"%s\"", path);
        }
        if (r > 0 && (p.revents & POLLHUP) && !(p.revents & POLLIN))
            break; /* the writer is gone and nothing is left to read */
        if (r == 0 && exited(pid)) {
            close(fd);
            return nerr_set(err, 0, "the container's process %d died before it started", (int)pid);
        }
    }
    close(fd);
    if (got == 0)
        return nerr_set(err, 0, "\"%s\" gave nothing: the container was started by someone else",
                        path);
    if (unlink(path) < 0 && errno != ENOENT)
        return nerr_set(err, errno, "remove \"%s\"", path);
    return 0;
}

/* crun: init blocks reading; a writer that finds no reader (ENXIO) finds init gone. */
static int release_by_writing(const char *path, pid_t pid, nana_err *err) {
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return START_FIFO_ABSENT;
    if (fd < 0 && errno == ENXIO)
        return nerr_set(err, 0, "the container's process %d died before it started", (int)pid);
    if (fd < 0)
        return nerr_set(err, errno, "open \"%s\"", path);
    if (unlink(path) < 0 && errno != ENOENT) {
        int e = errno;
        close(fd);
        return nerr_set(err, e, "remove \"%s\"", path);
    }
    const char byte = 0;
    ssize_t n;
    do
        n = write(fd, &byte, 1);
    while (n < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (n != 1)
        return nerr_set(err, e, "write \"%s\"", path);
    return 0;
}

int start_fifo_release(enum start_fifo_mode mode, const char *path, pid_t pid, nana_err *err) {
    switch (mode) {
    case START_FIFO_READ: return release_by_reading(path, pid, err);
    case START_FIFO_WRITE: return release_by_writing(path, pid, err);
    case START_FIFO_NONE: break;
    }
    return START_FIFO_ABSENT;
}
