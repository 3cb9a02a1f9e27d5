/* Unix stream sockets with descriptor passing: the daemon's end of the thin CLI's
 * command-forwarding protocol (the client hands over its stdin, stdout and stderr). */
#include "internal.h"
#include "nana.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int32_t make_addr(const char *path, struct sockaddr_un *addr) {
    if (path == NULL)
        return -EINVAL;
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr->sun_path)
        return -ENAMETOOLONG;
    strcpy(addr->sun_path, path);
    return 0;
}

int32_t nana_unix_listen(const char *path, int32_t backlog) {
    struct sockaddr_un addr;
    int32_t rc = make_addr(path, &addr);
    if (rc < 0)
        return rc;
    /* a stale socket is replaced; anything else at path is not ours to remove */
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
        return -EEXIST;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NANA_NEG_ERRNO();
    unlink(path);
    /* created 0600 from the start: no window where others may connect */
    mode_t old = umask(0177);
    int b = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    umask(old);
    if (b < 0 || listen(fd, backlog) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int32_t nana_unix_connect(const char *path) {
    struct sockaddr_un addr;
    int32_t rc = make_addr(path, &addr);
    if (rc < 0)
        return rc;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NANA_NEG_ERRNO();
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int32_t nana_accept(int32_t fd) {
    int c;
    do
        c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    while (c < 0 && errno == EINTR);
    return c < 0 ? NANA_NEG_ERRNO() : c;
}

int32_t nana_recv_fds(int32_t fd, void *buf, int32_t len, int32_t *fds, int32_t maxfds,
                      int32_t *nfds) {
    if (len < 0 || maxfds < 0 || maxfds > 16 || nfds == NULL)
        return -EINVAL;
    union {
        char buf[CMSG_SPACE(16 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = buf, .iov_len = (size_t)len};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = ctl.buf,
                         .msg_controllen = CMSG_SPACE((size_t)maxfds * sizeof(int))};
    if (maxfds == 0) {
        msg.msg_control = NULL;
        msg.msg_controllen = 0;
    }
    ssize_t n;
    do
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return NANA_NEG_ERRNO();
    *nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int got;
            memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
            if (*nfds < maxfds)
                fds[(*nfds)++] = got;
            else
                close(got); /* more than asked for: never leak them */
        }
    }
    if (msg.msg_flags & MSG_CTRUNC) { /* some were dropped: keep none, so none leaks */
        for (int i = 0; i < *nfds; i++)
            close(fds[i]);
        *nfds = 0;
        return -EMSGSIZE;
    }
    return (int32_t)n;
}

int32_t nana_peer_uid(int32_t fd) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return NANA_NEG_ERRNO();
    return (int32_t)cred.uid;
}

int32_t nana_isatty(int32_t fd) {
    return isatty(fd) ? 1 : 0;
}

int32_t nana_term_size(int32_t fd) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
        return NANA_NEG_ERRNO();
    return (int32_t)((uint32_t)ws.ws_row << 16 | ws.ws_col);
}
