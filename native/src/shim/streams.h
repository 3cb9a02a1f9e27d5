/* Container stdio. The container writes into pipes the shim owns (or a pty); the shim
 * copies every byte into the size-capped log (never blocking: `logs` works with no client,
 * and a detached container never waits for anyone), and to the client's FIFO when one is
 * attached. A client whose reader was there when its FIFO was opened gets pipe semantics:
 * every byte, and while it is behind, the shim stops reading the container's pipe, so the
 * container's writes block (as with `runc run | reader`). Once that reader goes, the
 * container's output goes to the log alone again. */
#ifndef NANA_SHIM_STREAMS_H
#define NANA_SHIM_STREAMS_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The output log, rotated once: "log" and "log.1", each up to max bytes. After each
 * rotation "log.offsets" says where each file starts in the whole output
 * ("<log inode> <log start> <log.1 inode> <log.1 start>"), so that a reader that fell
 * behind knows exactly how many bytes rotation took from it. */
struct output_log {
    int fd;
    char path[4096];
    char offsets[4096]; /* the offsets record's name */
    off_t size, max;
    off_t start;            /* where the current file starts in the whole output */
    unsigned long long ino; /* the current file's inode */
};

int output_log_open(struct output_log *l, const char *path, const char *offsets, off_t max,
                    nana_err *err);
void output_log_write(struct output_log *l, const char *data, size_t n);

/* Moves up to n bytes from a pipe into the log without copying them through the shim
 * (splice(2)): the bytes moved, 0 at the pipe's end (or none there), -1 when the log cannot
 * take them this way (then nothing was consumed). */
ssize_t output_log_splice(struct output_log *l, int pipe_fd, size_t n);

/* A client FIFO for stdin, or a stdout/stderr FIFO nobody reads yet: opened
 * O_RDWR|O_NONBLOCK, so that open never hangs and a vanished reader never gives EPIPE. */
int client_fifo_open(const char *path, nana_err *err);

/* Writes what fits into a FIFO opened with client_fifo_open; returns the bytes dropped. */
size_t client_fifo_write(int fd, const char *data, size_t n);

/* One client FIFO that a stream of the container's output goes to. */
struct client_out {
    int fd;     /* -1: none */
    int lossy;  /* nobody read it when it was opened: what finds no room is dropped */
    char *pend; /* bytes for it, not yet written */
    size_t len, cap;
};

/* Opens the FIFO at path for a stream: O_WRONLY|O_NONBLOCK while a reader is there
 * (attached: back-pressure, EPIPE once it goes), else O_RDWR (lossy). */
int client_out_open(struct client_out *c, const char *path, nana_err *err);

/* What client_out_send and client_out_flush say. */
enum client_state { CLIENT_DONE = 0, CLIENT_BEHIND = 1, CLIENT_GONE = -1 };

/* Writes data to an attached client, keeping what does not fit (at most max_pending bytes in
 * all; past that it is dropped and counted in *dropped). CLIENT_BEHIND while bytes wait,
 * CLIENT_GONE when its reader went away. */
enum client_state client_out_send(struct client_out *c, const char *data, size_t n,
                                  size_t max_pending, unsigned long long *dropped);

/* Writes what waits; the same answers. */
enum client_state client_out_flush(struct client_out *c);

/* Closes it and forgets what waited. */
void client_out_close(struct client_out *c);

/* Raises a pipe's capacity towards 1 MiB (capped by pipe-max-size). */
void pipe_grow(int fd);

#endif
