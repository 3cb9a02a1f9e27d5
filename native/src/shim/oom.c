#include "oom.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../core/internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

int oom_cgroup_path(const char *proc_cgroup, int v2, char *out, size_t len) {
    const char *line = proc_cgroup;
    while (line != NULL && *line) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        /* "ID:CONTROLLERS:PATH" */
        const char *c1 = memchr(line, ':', n);
        const char *c2 = c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - line)) : NULL;
        if (c2 != NULL) {
            size_t clen = (size_t)(c2 - c1 - 1);
            int match = 0;
            if (v2)
                match = clen == 0 && c1 - line == 1 && line[0] == '0';
            else
                for (const char *t = c1 + 1; t < c2;) { /* "cpu,memory" lists */
                    const char *comma = memchr(t, ',', (size_t)(c2 - t));
                    const char *e = comma ? comma : c2;
                    if ((size_t)(e - t) == 6 && strncmp(t, "memory", 6) == 0)
                        match = 1;
                    t = e + 1;
                }
            if (match) {
                size_t plen = n - (size_t)(c2 + 1 - line);
                if (plen + 1 > len)
                    return -1;
                memcpy(out, c2 + 1, plen);
                out[plen] = '\0';
                return 0;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return -1;
}

uint64_t oom_parse_counter(const char *text, const char *key) {
    size_t klen = strlen(key);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
            return strtoull(p + klen + 1, NULL, 10);
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return 0;
}

static int is_cgroup2(const char *path) {
    struct statfs s;
    return statfs(path, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

static uint64_t read_kills(const struct oom_watch *w) {
    char text[1024];
    if (nana__read_small_file(w->counter_path, text, sizeof text) < 0)
        return w->kills; /* the cgroup is gone: nothing new can be known */
    return oom_parse_counter(text, "oom_kill");
}

static int open_v1(struct oom_watch *w, const char *cg, nana_err *err) {
    char dir[4096], ctl[4200], line[64];
    snprintf(dir, sizeof dir, "/sys/fs/cgroup/memory%s", cg);
    snprintf(w->counter_path, sizeof w->counter_path, "%s/memory.oom_control", dir);
    snprintf(ctl, sizeof ctl, "%s/cgroup.event_control", dir);
    int ofd = open(w->counter_path, O_RDONLY | O_CLOEXEC);
    if (ofd < 0)
        return nerr_set(err, errno, "open \"%s\"", w->counter_path);
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0) {
        close(ofd);
        return nerr_set(err, errno, "eventfd");
    }
    int cfd = open(ctl, O_WRONLY | O_CLOEXEC);
    if (cfd < 0) {
        int e = errno;
        close(ofd);
        close(efd);
        return nerr_set(err, e, "open \"%s\"", ctl);
    }
    int n = snprintf(line, sizeof line, "%d %d", efd, ofd);
    ssize_t wr = write(cfd, line, (size_t)n);
    int e = errno;
    close(cfd);
    close(ofd); /* the kernel holds its own reference once registered */
    if (wr != n) {
        close(efd);
        return nerr_set(err, wr < 0 ? e : EIO, "register eventfd in \"%s\"", ctl);
    }
    w->fd = efd;
    return 0;
}

static int open_v2(struct oom_watch *w, const char *root, const char *cg, nana_err *err) {
    snprintf(w->counter_path, sizeof w->counter_path, "%s%s/memory.events", root, cg);
    int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ifd < 0)
        return nerr_set(err, errno, "inotify_init1");
    if (inotify_add_watch(ifd, w->counter_path, IN_MODIFY) < 0) {
        int e = errno;
        close(ifd);
        return nerr_set(err, e, "watch \"%s\"", w->counter_path);
    }
    w->fd = ifd;
    return 0;
}

int oom_watch_open(struct oom_watch *w, pid_t pid, nana_err *err) {
    char path[64], text[4096], cg[2048];
    w->fd = -1;
    w->kills = 0;
    snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    int n = nana__read_small_file(path, text, sizeof text);
    if (n < 0)
        return nerr_set(err, -n, "read \"%s\"", path);
    int rc;
    if (is_cgroup2("/sys/fs/cgroup")) {
        if (oom_cgroup_path(text, 1, cg, sizeof cg) < 0)
            return nerr_set(err, 0, "no unified cgroup in \"%s\"", path);
        w->v2 = 1;
        rc = open_v2(w, "/sys/fs/cgroup", cg, err);
    } else if (oom_cgroup_path(text, 0, cg, sizeof cg) == 0) {
        w->v2 = 0;
        rc = open_v1(w, cg, err);
    } else if (is_cgroup2("/sys/fs/cgroup/unified") &&
               oom_cgroup_path(text, 1, cg, sizeof cg) == 0) {
        w->v2 = 1;
        rc = open_v2(w, "/sys/fs/cgroup/unified", cg, err);
    } else {
        return nerr_set(err, 0, "no memory cgroup in \"%s\"", path);
    }
    if (rc < 0)
        return rc;
    w->kills = read_kills(w);
    return 0;
}

uint64_t oom_watch_check(struct oom_watch *w) {
    if (w->fd < 0)
        return 0;
    char drain[4096];
    while (read(w->fd, drain, sizeof drain) > 0) {
    }
    uint64_t now = read_kills(w);
    uint64_t fresh = now > w->kills ? now - w->kills : 0;
    w->kills = now > w->kills ? now : w->kills;
    return fresh;
}

void oom_watch_close(struct oom_watch *w) {
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}
