/* TTY: the runtime's --console-socket. The shim listens on a unix socket,
 * the runtime connects during create and passes the pty master with
 * SCM_RIGHTS. */
#ifndef NANA_SHIM_CONSOLE_H
#define NANA_SHIM_CONSOLE_H

#include "error.h"

/* Binds and listens on path (removed first if it exists); returns the fd. */
int console_listen(const char *path, nana_err *err);

/* Accepts the runtime's connection (waits up to timeout_ms) and returns the
 * pty master it sent. */
int console_receive_master(int listen_fd, int timeout_ms, nana_err *err);

/* TIOCSWINSZ on the master. */
int console_resize(int master, unsigned short rows, unsigned short cols, nana_err *err);

#endif
