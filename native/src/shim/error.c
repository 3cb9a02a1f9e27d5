#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int nerr_set(nana_err *err, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (code != 0 && n >= 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(code));
    err->code = code;
    return -1;
}

int nerr_wrap(nana_err *err, const char *fmt, ...) {
    char outer[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(outer, sizeof outer, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    char inner[sizeof err->msg];
    memcpy(inner, err->msg, sizeof inner);
    snprintf(err->msg, sizeof err->msg, "%s: %s", outer, inner);
    return -1;
}
