/* Container stdio. The container writes into pipes the shim owns (or a pty);
 * the shim copies every byte into the size-capped log, and into the client's
 * FIFO when one is attached and has room: a full or absent reader never
 * blocks the container, and `logs` works with no client at all. */
#ifndef NANA_SHIM_STREAMS_H
#define NANA_SHIM_STREAMS_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The output log, rotated once: "log" and "log.1", each up to max bytes. */
struct output_log {
    int fd;
    char path[4096];
    off_t size, max;
};

int output_log_open(struct output_log *l, const char *path, off_t max, nana_err *err);
void output_log_write(struct output_log *l, const char *data, size_t n);

/* One client FIFO, opened O_RDWR|O_NONBLOCK: open never hangs, a vanished
 * reader never gives EPIPE, and a full FIFO drops bytes instead of blocking. */
int client_fifo_open(const char *path, nana_err *err);

/* Writes what fits; returns the bytes dropped. */
size_t client_fifo_write(int fd, const char *data, size_t n);

/* Raises a pipe's capacity towards 1 MiB (capped by pipe-max-size). */
void pipe_grow(int fd);

#endif
