/* The Kubernetes CRI log file: each line of the container's output as
 *   <RFC3339Nano time> <stdout|stderr> <F|P> <text>
 * F for a whole line, P for a part of a line longer than CRI_LOG_LINE_MAX (the rest
 * follows). The kubelet gives the path and reads it for `kubectl logs`; it renames the
 * file to rotate it and asks for a new one (the control FIFO's "reopen-log"). */
#ifndef NANA_SHIM_CRILOG_H
#define NANA_SHIM_CRILOG_H

#include <stddef.h>
#include <time.h>

#include "error.h"

#define CRI_LOG_LINE_MAX 16384

struct cri_log {
    int fd;  /* -1: no CRI log */
    int dir; /* its folder, opened once: the file is (re)opened in it, never through a symlink */
    const char *path;
    char pending[2][CRI_LOG_LINE_MAX]; /* per stream, a line not ended yet */
    size_t pending_len[2];
};

/* Opens path for appending (created 0640): its folder once, then the file in it, never through
 * a symlink and only a regular file (the same on reopen). path NULL: no CRI log, every call a
 * no-op. */
int cri_log_open(struct cri_log *l, const char *path, nana_err *err);

/* Writes what a stream (0 stdout, 1 stderr) produced: its whole lines now, the rest when
 * its line ends or fills CRI_LOG_LINE_MAX. */
void cri_log_write(struct cri_log *l, int stream, const char *buf, size_t n);

/* The stream ended: its unended line is written as a whole one. */
void cri_log_flush(struct cri_log *l, int stream);

/* Opens the path again (after the kubelet renamed the file); the old one is closed. */
int cri_log_reopen(struct cri_log *l, nana_err *err);

/* Formats one record into out (for the tests); returns its length. */
size_t cri_log_format(char *out, size_t len, const struct timespec *now, int stream, int partial,
                      const char *text, size_t n);

#endif
