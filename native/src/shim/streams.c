#include "streams.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "nana.h"

int output_log_open(struct output_log *l, const char *path, off_t max, nana_err *err) {
    snprintf(l->path, sizeof l->path, "%s", path);
    l->max = max;
    l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (l->fd < 0)
        return nerr_set(err, errno, "open output log \"%s\"", path);
    struct stat st;
    l->size = fstat(l->fd, &st) == 0 ? st.st_size : 0;
    return 0;
}

/* Rotates with no moment at which the log is missing (a reader that opens it by name,
 * `nana logs -f` or a test, would find nothing): a fresh file made beside it is exchanged
 * with it atomically (renameat2 RENAME_EXCHANGE), then the old content, now under the
 * fresh file's name, becomes log.1. A file system that cannot exchange gets the plain
 * rename and create. */
static void output_log_rotate(struct output_log *l) {
    char old[4200], fresh[4200];
    snprintf(old, sizeof old, "%s.1", l->path);
    snprintf(fresh, sizeof fresh, "%s.new", l->path);
    const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW;
    int fd = open(fresh, flags, 0600);
    if (fd >= 0 && renameat2(AT_FDCWD, fresh, AT_FDCWD, l->path, RENAME_EXCHANGE) == 0) {
        if (rename(fresh, old) < 0)
            shim_warn("rotate output log \"%s\": %s", l->path, strerror(errno));
    } else {
        if (fd >= 0) {
            close(fd);
            unlink(fresh);
        }
        if (rename(l->path, old) < 0)
            shim_warn("rotate output log \"%s\": %s", l->path, strerror(errno));
        fd = open(l->path, flags, 0600);
        if (fd < 0) {
            shim_warn("reopen output log \"%s\": %s", l->path, strerror(errno));
            return;
        }
    }
    close(l->fd);
    l->fd = fd;
    l->size = 0;
}

void output_log_write(struct output_log *l, const char *data, size_t n) {
    if (l->fd < 0)
        return;
    if (l->max > 0 && l->size + (off_t)n > l->max && l->size > 0)
        output_log_rotate(l);
    while (n > 0) {
        ssize_t w = write(l->fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            shim_warn("write output log \"%s\": %s", l->path, strerror(errno));
            return; /* a full disk loses log bytes, never the container */
        }
        data += w;
        n -= (size_t)w;
        l->size += w;
    }
}

int client_fifo_open(const char *path, nana_err *err) {
    int fd = nana_fifo_open_rdwr(path);
    if (fd == -EINVAL)
        return nerr_set(err, 0, "\"%s\" is not a FIFO: stdio paths must name FIFOs (mkfifo)", path);
    if (fd < 0)
        return nerr_set(err, -fd, "open fifo \"%s\"", path);
    pipe_grow(fd);
    return fd;
}

size_t client_fifo_write(int fd, const char *data, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return n;
        data += w;
        n -= (size_t)w;
    }
    return 0;
}

void pipe_grow(int fd) {
    int r = nana_pipe_set_size(fd, 1 << 20);
    if (r < 0 && r != -EPERM)
        shim_warn("raise pipe size: %s", strerror(-r));
}
