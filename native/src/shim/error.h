/* The shim's one error convention (after crun's libcrun_error_t):
 * a fallible function takes `nana_err *err`, returns -1 and fills err; the
 * caller wraps it with what it was doing, so a message reads like a stack:
 *   start "web": open exit fifo "/run/nana/web/init/exit": No such file or directory
 * Call sites have one shape:
 *   if (thing(..., err) < 0)
 *       return nerr_wrap(err, "doing %s", what);
 */
#ifndef NANA_SHIM_ERROR_H
#define NANA_SHIM_ERROR_H

typedef struct nana_err {
    int code;       /* errno of the innermost failure, 0 when none */
    char msg[2048]; /* "outer: inner: strerror" */
} nana_err;

/* Sets err to "<fmt>: strerror(code)" (or "<fmt>" when code is 0); returns -1. */
int nerr_set(nana_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefixes err with "<fmt>: "; returns -1. */
int nerr_wrap(nana_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
