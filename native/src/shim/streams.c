#include "streams.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "nana.h"

int output_log_open(struct output_log *l, const char *path, const char *offsets, off_t max,
                    nana_err *err) {
    snprintf(l->path, sizeof l->path, "%s", path);
    snprintf(l->offsets, sizeof l->offsets, "%s", offsets);
    l->max = max;
    l->start = 0;
    /* not O_APPEND: splice(2) refuses such a file; the shim is the log's one writer, at its end */
    l->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (l->fd < 0)
        return nerr_set(err, errno, "open output log \"%s\"", path);
    lseek(l->fd, 0, SEEK_END);
    struct stat st;
    int known = fstat(l->fd, &st) == 0;
    l->size = known ? st.st_size : 0;
    l->ino = known ? (unsigned long long)st.st_ino : 0;
    return 0;
}

/* Says where log and log.1 start in the whole output: written beside, then renamed over the
 * record (a reader sees the old record or the new, never half). Not fsynced: it matters only
 * to readers of this boot's output. */
static void output_log_record_offsets(struct output_log *l, unsigned long long old_ino,
                                      off_t old_start) {
    const char *name = l->offsets;
    char tmp[4200], text[128];
    snprintf(tmp, sizeof tmp, "%s.tmp", name);
    int n = snprintf(text, sizeof text, "%llu %lld %llu %lld\n", l->ino, (long long)l->start,
                     old_ino, (long long)old_start);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || write(fd, text, (size_t)n) != n || rename(tmp, name) < 0)
        shim_warn("record the output log's offsets \"%s\": %s", name, strerror(errno));
    if (fd >= 0)
        close(fd);
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
    const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW;
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
    unsigned long long old_ino = l->ino;
    off_t old_start = l->start;
    struct stat st;
    l->fd = fd;
    l->ino = fstat(fd, &st) == 0 ? (unsigned long long)st.st_ino : 0;
    l->start += l->size;
    l->size = 0;
    output_log_record_offsets(l, old_ino, old_start);
}

ssize_t output_log_splice(struct output_log *l, int pipe_fd, size_t n) {
    if (l->fd < 0)
        return -1;
    if (l->max > 0 && l->size + (off_t)n > l->max && l->size > 0)
        output_log_rotate(l);
    size_t moved = 0;
    while (moved < n) {
        ssize_t w =
            splice(pipe_fd, NULL, l->fd, NULL, n - moved, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (moved == 0)
                return w < 0 ? -1 : 0; /* nothing there, EOF, or a log that cannot take it */
            break;
        }
        moved += (size_t)w;
        l->size += w;
    }
    return (ssize_t)moved;
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

int client_out_open(struct client_out *c, const char *path, nana_err *err) {
    client_out_close(c);
    int fd;
    do /* O_WRONLY|O_NONBLOCK: ENXIO at once when nobody has the read end open */
        fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    while (fd < 0 && errno == EINTR);
    if (fd < 0 && errno == ENXIO) {
        if ((fd = client_fifo_open(path, err)) < 0)
            return -1;
        c->fd = fd;
        c->lossy = 1;
        return fd;
    }
    if (fd < 0)
        return nerr_set(err, errno, "open fifo \"%s\"", path);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
        close(fd);
        return nerr_set(err, 0, "\"%s\" is not a FIFO: stdio paths must name FIFOs (mkfifo)", path);
    }
    pipe_grow(fd);
    c->fd = fd;
    c->lossy = 0;
    return fd;
}

/* Writes from data while the FIFO takes it: the bytes written, or -1 when its reader is gone. */
static ssize_t write_some(int fd, const char *data, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, data + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            break;
        if (w <= 0)
            return -1; /* EPIPE: the reader went away */
        done += (size_t)w;
    }
    return (ssize_t)done;
}

static int keep(struct client_out *c, const char *data, size_t n) {
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap : 65536;
        while (cap < c->len + n)
            cap *= 2;
        char *p = realloc(c->pend, cap);
        if (p == NULL)
            return -1;
        c->pend = p;
        c->cap = cap;
    }
    memcpy(c->pend + c->len, data, n);
    c->len += n;
    return 0;
}

enum client_state client_out_flush(struct client_out *c) {
    if (c->len == 0)
        return CLIENT_DONE;
    ssize_t w = write_some(c->fd, c->pend, c->len);
    if (w < 0)
        return CLIENT_GONE;
    memmove(c->pend, c->pend + w, c->len - (size_t)w);
    c->len -= (size_t)w;
    return c->len == 0 ? CLIENT_DONE : CLIENT_BEHIND;
}

enum client_state client_out_send(struct client_out *c, const char *data, size_t n,
                                  size_t max_pending, unsigned long long *dropped) {
    if (c->len == 0) { /* nothing waits: straight into the FIFO */
        ssize_t w = write_some(c->fd, data, n);
        if (w < 0)
            return CLIENT_GONE;
        data += w;
        n -= (size_t)w;
    }
    size_t room = max_pending > c->len ? max_pending - c->len : 0;
    size_t kept = n < room ? n : room;
    if (kept > 0 && keep(c, data, kept) < 0)
        kept = 0;
    *dropped += n - kept;
    return c->len == 0 ? CLIENT_DONE : CLIENT_BEHIND;
}

void client_out_close(struct client_out *c) {
    if (c->fd >= 0)
        close(c->fd);
    free(c->pend);
    *c = (struct client_out){.fd = -1};
}

void pipe_grow(int fd) {
    int r = nana_pipe_set_size(fd, 1 << 20);
    if (r < 0 && r != -EPERM)
        shim_warn("raise pipe size: %s", strerror(-r));
}
