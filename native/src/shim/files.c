#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/internal.h"

static int write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int file_write_atomic(const char *name, const char *data, size_t len, nana_err *err) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return nerr_set(err, errno, "open \"%s\"", tmp);
    if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return nerr_set(err, e, "write \"%s\"", tmp);
    }
    close(fd);
    if (rename(tmp, name) < 0) {
        int e = errno;
        unlink(tmp);
        return nerr_set(err, e, "rename \"%s\"", tmp);
    }
    return 0;
}

int file_append_line(const char *name, const char *line, nana_err *err) {
    int fd = open(name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return nerr_set(err, errno, "open \"%s\"", name);
    if (write_all(fd, line, strlen(line)) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        return nerr_set(err, e, "append to \"%s\"", name);
    }
    close(fd);
    return 0;
}

int file_read_pid(const char *name, int *pid, nana_err *err) {
    char buf[32];
    int n = nana__read_small_file(name, buf, sizeof buf);
    if (n < 0)
        return nerr_set(err, -n, "read pid file \"%s\"", name);
    char *end;
    long v = strtol(buf, &end, 10);
    if (end == buf || v <= 0 || v > 0x3fffffff)
        return nerr_set(err, 0, "read pid file \"%s\": not a pid: \"%s\"", name, buf);
    *pid = (int)v;
    return 0;
}
