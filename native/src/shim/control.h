/* The control FIFO: one text command a line, from the supervisor or a client.
 *   start             run `<runtime> start` (after create)
 *   close-stdin       close the container's stdin (the client's EOF)
 *   resize ROWS COLS  set the terminal size
 *   attach OUT ERR IN client FIFOs to use from now on ("-" for none): a client
 *                     reattaching after it, or the supervisor, restarted
 *   reopen-log        open the CRI log file again (the kubelet renamed it)
 */
#ifndef NANA_SHIM_CONTROL_H
#define NANA_SHIM_CONTROL_H

#include <stddef.h>

enum control_kind {
    CONTROL_INVALID,
    CONTROL_START,
    CONTROL_CLOSE_STDIN,
    CONTROL_RESIZE,
    CONTROL_ATTACH,
    CONTROL_REOPEN_LOG
};

#define CONTROL_PATH_MAX 1024

struct control_cmd {
    enum control_kind kind;
    unsigned short rows, cols;
    /* attach: stdout, stderr, stdin paths ("" for none) */
    char paths[3][CONTROL_PATH_MAX];
};

/* Parses one line (without its newline). */
struct control_cmd control_parse(const char *line);

/* Line splitter over a stream of reads: feed bytes, take complete lines. */
struct line_buffer {
    char buf[4096];
    size_t len;
};

/* Appends data; a line longer than the buffer is dropped. */
void line_buffer_feed(struct line_buffer *lb, const char *data, size_t n);

/* Moves the next complete line (NUL-terminated, no newline) into out; 1 if one was there. */
int line_buffer_take(struct line_buffer *lb, char *out, size_t len);

#endif
