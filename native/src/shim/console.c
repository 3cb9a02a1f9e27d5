#include "console.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int console_listen(const char *path, nana_err *err) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path)
        return nerr_set(err, ENAMETOOLONG, "console socket \"%s\"", path);
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return nerr_set(err, errno, "console socket");
    unlink(path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 1) < 0) {
        int e = errno;
        close(fd);
        return nerr_set(err, e, "listen on console socket \"%s\"", path);
    }
    return fd;
}

int console_receive_master(int listen_fd, int timeout_ms, nana_err *err) {
    struct pollfd p = {.fd = listen_fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) <= 0)
        return nerr_set(err, ETIMEDOUT, "wait for the runtime on the console socket");
    int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0)
        return nerr_set(err, errno, "accept on the console socket");
    char name[256];
    struct iovec iov = {.iov_base = name, .iov_len = sizeof name};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    ssize_t n;
    do
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    int e = errno;
    close(conn);
    if (n < 0)
        return nerr_set(err, e, "receive the pty master");
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
        c->cmsg_len != CMSG_LEN(sizeof(int)))
        return nerr_set(err, EPROTO, "receive the pty master: no descriptor in the message");
    int master;
    memcpy(&master, CMSG_DATA(c), sizeof master);
    return master;
}

int console_resize(int master, unsigned short rows, unsigned short cols, nana_err *err) {
    struct winsize ws = {.ws_row = rows, .ws_col = cols};
    if (ioctl(master, TIOCSWINSZ, &ws) < 0)
        return nerr_set(err, errno, "resize the terminal to %ux%u", rows, cols);
    return 0;
}
