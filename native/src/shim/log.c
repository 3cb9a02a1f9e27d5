#include "log.h"
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;
static int sync_fd = -1;

void log_open(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0)
        log_fd = fd;
}

void log_set_sync_fd(int fd) {
    sync_fd = fd;
}

char *json_escape(const char *src, char *dst, size_t len) {
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)src; *p && o + 7 < len; p++) {
        if (*p == '"' || *p == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)*p;
        } else if (*p < 0x20) {
            o += (size_t)snprintf(dst + o, len - o, "\\u%04x", *p);
        } else {
            dst[o++] = (char)*p;
        }
    }
    dst[o] = '\0';
    return dst;
}

static void log_line(const char *level, const char *fmt, va_list ap) {
    char msg[2048], esc[4096], line[4352], when[40];
    vsnprintf(msg, sizeof msg, fmt, ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t w = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + w, sizeof when - w, ".%09ldZ", ts.tv_nsec);
    int n = snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
                     level, json_escape(msg, esc, sizeof esc), when);
    if (n > 0 && write(log_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0) {
        /* nowhere left to report it */
    }
}

void shim_warn(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_line("warning", fmt, ap);
    va_end(ap);
}

void shim_info(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_line("info", fmt, ap);
    va_end(ap);
}

static void log_error_msg(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_line("error", fmt, ap);
    va_end(ap);
}

void shim_bail(const nana_err *err) {
    log_error_msg("%s", err->msg);
    if (sync_fd >= 0) {
        char line[sizeof err->msg + 16];
        int n = snprintf(line, sizeof line, SHIM_SYNC_ERROR " %s\n", err->msg);
        for (char *p = line + sizeof SHIM_SYNC_ERROR; p < line + n - 1; p++) /* after "error " */
            if (*p == '\n')
                *p = ' '; /* one message, one line */
        if (write(sync_fd, line, (size_t)n) < 0) {
            /* the supervisor is gone; the log has it */
        }
    }
    _exit(1);
}

/* Extracts the JSON string value of "key" from one line; 1 when found. */
static int json_string_field(const char *line, const char *key, char *out, size_t len) {
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(line, pat);
    if (p == NULL)
        return 0;
    p += strlen(pat);
    size_t o = 0;
    for (; *p && *p != '"' && o + 1 < len; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            switch (*p) {
            case 'n': out[o++] = ' '; break;
            case 't': out[o++] = ' '; break;
            case 'u':
                p += 4 <= strlen(p) ? 4 : 0;
                out[o++] = '?';
                break;
            default: out[o++] = *p;
            }
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return 1;
}

int log_last_error(const char *path, long offset, char *out, size_t len) {
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    if (offset > 0)
        fseek(f, offset, SEEK_SET);
    char line[8192], level[32];
    int found = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (json_string_field(line, "level", level, sizeof level) &&
            (strcmp(level, "error") == 0 || strcmp(level, "fatal") == 0) &&
            json_string_field(line, "msg", out, len))
            found = 1;
    }
    fclose(f);
    return found;
}
