#include "crilog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *const STREAM[2] = {"stdout", "stderr"};

int cri_log_open(struct cri_log *l, const char *path, nana_err *err) {
    l->fd = -1;
    l->path = path;
    l->pending_len[0] = l->pending_len[1] = 0;
    if (path == NULL)
        return 0;
    l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
    if (l->fd < 0)
        return nerr_set(err, errno, "open the CRI log \"%s\"", path);
    return 0;
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
    int fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
    if (fd < 0)
        return nerr_set(err, errno, "reopen the CRI log \"%s\"", l->path);
    if (l->fd >= 0)
        close(l->fd);
    l->fd = fd;
    return 0;
}
