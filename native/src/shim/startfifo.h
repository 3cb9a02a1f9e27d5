/* Starting a created container without a second runtime process: what `runc start` and
 * `crun start` do, done by the shim. Both runtimes hold the container's init, after
 * create, on a FIFO in their state directory (<root>/<id>/exec.fifo):
 *   runc: init blocks opening it for writing; start opens it for reading, reads until
 *         EOF (init wrote a byte, then exec'd, which closed its end), then removes it;
 *   crun: init blocks reading it; start opens it for writing, removes it, writes a byte.
 * Either runtime's `state` says "running" once the FIFO is gone. Poststart hooks are the
 * one other thing a start does (crun's); the supervisor asks for this path only when the
 * bundle has none. */
#ifndef NANA_SHIM_STARTFIFO_H
#define NANA_SHIM_STARTFIFO_H

#include <sys/types.h>

#include "error.h"

enum start_fifo_mode {
    START_FIFO_NONE = 0, /* start with `<runtime> start` */
    START_FIFO_READ,     /* runc's protocol: init writes, start reads */
    START_FIFO_WRITE,    /* crun's protocol: init reads, start writes */
};

/* Returned when the FIFO is not where it was expected: start with the runtime instead. */
#define START_FIFO_ABSENT 1

/* Releases the container's init held on path. pid is init's pid (a child of the shim,
 * which is its subreaper): while waiting, its death ends the wait with an error. Returns
 * 0 once the user's program runs, START_FIFO_ABSENT, or -1 with err set. */
int start_fifo_release(enum start_fifo_mode mode, const char *path, pid_t pid, nana_err *err);

#endif
