/* log.json: JSON lines, the same shape the runtimes write with
 * `--log-format json` ({"level":…,"msg":…,"time":…}), so one reader serves both. */
#ifndef NANA_SHIM_LOG_H
#define NANA_SHIM_LOG_H

#include <stddef.h>

#include "error.h"

/* Opens the log (O_APPEND, shared with the runtime). Failing leaves stderr. */
void log_open(const char *path);

/* Advisory: log and carry on (conmon's nwarn). */
void shim_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void shim_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fatal: log the error, tell the supervisor on the sync fd, _exit(1) (runc's bail). */
__attribute__((noreturn)) void shim_bail(const nana_err *err);

/* Where shim_bail reports besides the log: the sync pipe to the supervisor. */
void log_set_sync_fd(int fd);

/* JSON-escapes src into dst (always NUL-terminated); returns dst. */
char *json_escape(const char *src, char *dst, size_t len);

/* Finds the last "error"-level "msg" in a runtime log written after offset;
 * returns 1 and fills out, or 0. */
int log_last_error(const char *path, long offset, char *out, size_t len);

#endif
