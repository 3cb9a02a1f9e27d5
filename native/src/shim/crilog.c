#include "crilog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *const STREAM[2] = {"stdout", "stderr"};

/* The file in the log's folder: O_NOFOLLOW (a symlink planted at its name is refused), O_NONBLOCK
 * (a FIFO planted there cannot hold the open), a regular file only. */
static int open_in_dir(struct cri_log *l, nana_err *err) {
    const char *slash = strrchr(l->path, '/');
    const char *base = slash ? slash + 1 : l->path;
    int fd = openat(l->dir, base,
                    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK,
                    0640);
    if (fd < 0)
        return nerr_set(err, errno, "open the CRI log \"%s\"", l->path);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return nerr_set(err, 0, "the CRI log \"%s\" is not a regular file", l->path);
    }
    return fd;
}

int cri_log_open(struct cri_log *l, const char *path, nana_err *err) {
    l->fd = -1;
    l->dir = -1;
    l->path = path;
    l->pending_len[0] = l->pending_len[1] = 0;
    if (path == NULL)
        return 0;
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    l->dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (l->dir < 0)
        return nerr_set(err, errno, "open the CRI log's folder \"%s\"", dir);
    l->fd = open_in_dir(l, err);
    return l->fd < 0 ? -1 : 0;
}

size_t cri_log_format(char *out, size_t len, const struct timespec *now, int stream, int partial,
                      const char *text, size_t n) {
    struct tm tm;
    gmtime_r(&now->tv_sec, &tm);
    char stamp[64];
    size_t s = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    int h = snprintf(out, len, "%.*s.%09ldZ %s %c ", (int)s, stamp, now->tv_nsec, STREAM[stream],
                     partial ? 'P' : 'F');
    if (h < 0 || (size_t)h + n + 1 > len)
        return 0;
    memcpy(out + h, text, n);
    out[(size_t)h + n] = '\n';
    return (size_t)h + n + 1;
}

/* One record: a header, the text (in two parts: what was pending, and what ends it), \n. */
static void emit(struct cri_log *l, int stream, int partial, const char *a, size_t an,
                 const char *b, size_t bn) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char head[96];
    size_t hn = cri_log_format(head, sizeof head, &now, stream, partial, "", 0);
    if (hn == 0)
        return;
    hn--; /* without its newline: the text follows */
    struct iovec v[4] = {{head, hn}, {(void *)a, an}, {(void *)b, bn}, {"\n", 1}};
    ssize_t total = (ssize_t)(hn + an + bn + 1);
    ssize_t w;
    do
        w = writev(l->fd, v, 4);
    while (w < 0 && errno == EINTR);
    if (w != total)
        shim_warn("CRI log \"%s\": a line was not written whole: %s", l->path,
                  w < 0 ? strerror(errno) : "short write");
}

void cri_log_write(struct cri_log *l, int stream, const char *buf, size_t n) {
    if (l->fd < 0)
        return;
    char *pend = l->pending[stream];
    size_t *plen = &l->pending_len[stream];
    while (n > 0) {
        const char *nl = memchr(buf, '\n', n);
        size_t room = CRI_LOG_LINE_MAX - *plen;
        size_t take = nl ? (size_t)(nl - buf) : n;
        if (take > room) { /* the line outgrows a record: its part so far goes as P */
            emit(l, stream, 1, pend, *plen, buf, room);
            *plen = 0;
            buf += room;
            n -= room;
            continue;
        }
        if (nl == NULL) {
            memcpy(pend + *plen, buf, n);
            *plen += n;
            return;
        }
        emit(l, stream, 0, pend, *plen, buf, take);
        *plen = 0;
        buf += take + 1;
        n -= take + 1;
    }
}

void cri_log_flush(struct cri_log *l, int stream) {
    if (l->fd < 0 || l->pending_len[stream] == 0)
        return;
    emit(l, stream, 0, l->pending[stream], l->pending_len[stream], "", 0);
    l->pending_len[stream] = 0;
}

int cri_log_reopen(struct cri_log *l, nana_err *err) {
    if (l->path == NULL)
        return nerr_set(err, 0, "this process has no CRI log to reopen");
    int fd = open_in_dir(l, err);
    if (fd < 0)
        return nerr_wrap(err, "reopen");
    if (l->fd >= 0)
        close(l->fd);
    l->fd = fd;
    return 0;
}
