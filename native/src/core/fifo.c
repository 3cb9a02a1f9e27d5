/* FIFOs that never block on open: the exit FIFO (HUP when its writer, the
 * shim, dies), the control FIFO and client stdio FIFOs. */
#include "internal.h"
#include "nana.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int32_t nana_mkfifo(const char *path, uint32_t mode) {
    if (path == NULL)
        return -EINVAL;
    return mkfifo(path, (mode_t)mode) == 0 ? 0 : NANA_NEG_ERRNO();
}

static int32_t open_fifo(const char *path, int flags) {
    if (path == NULL)
        return -EINVAL;
    int fd;
    do
        fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return NANA_NEG_ERRNO();
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
        close(fd);
        return -EINVAL; /* a planted regular file or device is refused */
    }
    return fd;
}

int32_t nana_fifo_open_read(const char *path) {
    return open_fifo(path, O_RDONLY | O_NONBLOCK);
}

int32_t nana_fifo_open_rdwr(const char *path) {
    return open_fifo(path, O_RDWR | O_NONBLOCK);
}

int32_t nana_fifo_open_write(const char *path) {
    /* O_WRONLY alone blocks until a reader exists; holding our own O_RDWR
     * end for a moment makes it return at once. The result is a blocking
     * write end, as the exit FIFO's holder wants. */
    int32_t rw = open_fifo(path, O_RDWR);
    if (rw < 0)
        return rw;
    int32_t wr = open_fifo(path, O_WRONLY);
    close(rw);
    return wr;
}

int32_t nana_pipe(int32_t *fds) {
    if (fds == NULL)
        return -EINVAL;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return NANA_NEG_ERRNO();
    fds[0] = p[0];
    fds[1] = p[1];
    return 0;
}

int32_t nana__pipe_size_cap(int32_t want, const char *pipe_max_size_text) {
    long max = pipe_max_size_text != NULL ? strtol(pipe_max_size_text, NULL, 10) : 0;
    if (max <= 0)
        max = 1 << 20; /* the kernel's default pipe-max-size */
    return want > max ? (int32_t)max : want;
}

int32_t nana_pipe_set_size(int32_t fd, int32_t size) {
    if (size <= 0)
        return -EINVAL;
    char text[32];
    int n = nana__read_small_file("/proc/sys/fs/pipe-max-size", text, sizeof text);
    int r = fcntl(fd, F_SETPIPE_SZ, nana__pipe_size_cap(size, n > 0 ? text : NULL));
    return r < 0 ? NANA_NEG_ERRNO() : r;
}

int32_t nana_splice(int32_t fd_in, int32_t fd_out, int32_t len) {
    if (len <= 0)
        return -EINVAL;
    ssize_t n;
    do
        n = splice(fd_in, NULL, fd_out, NULL, (size_t)len, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
    while (n < 0 && errno == EINTR);
    return n < 0 ? NANA_NEG_ERRNO() : (int32_t)n;
}
