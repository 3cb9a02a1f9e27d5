/* Plain fd I/O for callers (the JVM) that hold raw descriptors. */
#include "internal.h"
#include "nana.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

int32_t nana_read(int32_t fd, void *buf, int32_t len) {
    if (len < 0)
        return -EINVAL;
    ssize_t n;
    do
        n = read(fd, buf, (size_t)len);
    while (n < 0 && errno == EINTR);
    return n < 0 ? NANA_NEG_ERRNO() : (int32_t)n;
}

int32_t nana_write(int32_t fd, const void *buf, int32_t len) {
    if (len < 0)
        return -EINVAL;
    ssize_t n;
    do
        n = write(fd, buf, (size_t)len);
    while (n < 0 && errno == EINTR);
    return n < 0 ? NANA_NEG_ERRNO() : (int32_t)n;
}

int32_t nana_close(int32_t fd) {
    /* Linux frees the descriptor even when close fails with EINTR: never retry. */
    return close(fd) == 0 || errno == EINTR ? 0 : NANA_NEG_ERRNO();
}

int32_t nana_set_nonblock(int32_t fd, int32_t on) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return NANA_NEG_ERRNO();
    fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
    return fcntl(fd, F_SETFL, fl) == 0 ? 0 : NANA_NEG_ERRNO();
}

int32_t nana_poll(int32_t fd, int32_t events, int32_t timeout_ms) {
    struct pollfd p = {.fd = fd, .events = (short)events};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0)
        return errno == EINTR ? 0 : NANA_NEG_ERRNO();
    return r == 0 ? 0 : p.revents;
}

int32_t nana_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? NANA_NEG_ERRNO() : fd;
}

int32_t nana_epoll_add(int32_t epfd, int32_t fd, uint64_t token, int32_t events) {
    struct epoll_event ev = {.events = (uint32_t)events, .data.u64 = token};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : NANA_NEG_ERRNO();
}

int32_t nana_epoll_del(int32_t epfd, int32_t fd) {
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) == 0 ? 0 : NANA_NEG_ERRNO();
}

int32_t nana_epoll_wait(int32_t epfd, uint64_t *tokens, int32_t *events, int32_t max,
                        int32_t timeout_ms) {
    if (max <= 0 || max > 1024 || tokens == NULL || events == NULL)
        return -EINVAL;
    struct epoll_event evs[max];
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : NANA_NEG_ERRNO();
    for (int i = 0; i < n; i++) {
        tokens[i] = evs[i].data.u64;
        events[i] = (int32_t)evs[i].events;
    }
    return n;
}

int32_t nana_inotify_init(void) {
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    return fd < 0 ? NANA_NEG_ERRNO() : fd;
}

int32_t nana_inotify_add(int32_t ifd, const char *path, uint32_t mask) {
    if (path == NULL)
        return -EINVAL;
    int wd = inotify_add_watch(ifd, path, mask);
    return wd < 0 ? NANA_NEG_ERRNO() : wd;
}

int32_t nana_eventfd(void) {
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return fd < 0 ? NANA_NEG_ERRNO() : fd;
}
