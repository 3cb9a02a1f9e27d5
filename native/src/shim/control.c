#include "control.h"
#include "protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct control_cmd control_parse(const char *line) {
    struct control_cmd cmd = {.kind = CONTROL_INVALID};
    unsigned rows, cols;
    char tail;
    if (strcmp(line, SHIM_CONTROL_START) == 0)
        cmd.kind = CONTROL_START;
    else if (strcmp(line, SHIM_CONTROL_CLOSE_STDIN) == 0)
        cmd.kind = CONTROL_CLOSE_STDIN;
    else if (strcmp(line, SHIM_CONTROL_REOPEN_LOG) == 0)
        cmd.kind = CONTROL_REOPEN_LOG;
    else if (strncmp(line, SHIM_CONTROL_ATTACH " ", sizeof SHIM_CONTROL_ATTACH) == 0) {
        /* exactly three space-separated absolute paths or "-" */
        const char *p = line + sizeof SHIM_CONTROL_ATTACH;
        int n = 0;
        while (n < 3 && *p) {
            const char *end = strchr(p, ' ');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (len == 0 || len >= CONTROL_PATH_MAX)
                return (struct control_cmd){.kind = CONTROL_INVALID};
            int none = len == 1 && *p == SHIM_CONTROL_NO_PATH[0];
            if (!none) {
                if (*p != '/')
                    return (struct control_cmd){.kind = CONTROL_INVALID};
                memcpy(cmd.paths[n], p, len);
            }
            cmd.paths[n][none ? 0 : len] = '\0';
            n++;
            p = end ? end + 1 : p + len;
        }
        if (n == 3 && *p == '\0')
            cmd.kind = CONTROL_ATTACH;
    } else if (sscanf(line, SHIM_CONTROL_RESIZE " %u %u%c", &rows, &cols, &tail) == 2 && rows > 0 &&
               cols > 0 && rows <= 0xffff && cols <= 0xffff) {
        cmd.kind = CONTROL_RESIZE;
        cmd.rows = (unsigned short)rows;
        cmd.cols = (unsigned short)cols;
    }
    return cmd;
}

void line_buffer_feed(struct line_buffer *lb, const char *data, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (lb->len == sizeof lb->buf) {
            /* overlong garbage: drop until the next newline */
            char *nl = memchr(lb->buf, '\n', lb->len);
            if (nl == NULL)
                lb->len = 0;
            else
                break;
        }
        lb->buf[lb->len++] = data[i];
    }
}

int line_buffer_take(struct line_buffer *lb, char *out, size_t len) {
    char *nl = memchr(lb->buf, '\n', lb->len);
    if (nl == NULL)
        return 0;
    size_t line = (size_t)(nl - lb->buf);
    size_t copy = line < len - 1 ? line : len - 1;
    memcpy(out, lb->buf, copy);
    out[copy] = '\0';
    memmove(lb->buf, nl + 1, lb->len - line - 1);
    lb->len -= line + 1;
    return 1;
}
