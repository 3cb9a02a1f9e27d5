/* libnana: the ABI functions and their internal helpers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/core/internal.h"
#include "check.h"
#include "nana.h"

static void parses_starttime_after_a_hostile_comm(void) {
    uint64_t v = 0;
    const char *stat = "42 (a) b) (c) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 "
                       "123456 1000 10";
    CHECK_EQ_INT(nana__parse_stat_starttime(stat, &v), 0);
    CHECK_EQ_INT(v, 123456);
    CHECK_EQ_INT(nana__parse_stat_starttime("42 (x) S 1 2", &v), -EINVAL);
    CHECK_EQ_INT(nana__parse_stat_starttime("no parens", &v), -EINVAL);
}

static void reads_own_starttime_and_refuses_a_dead_pid(void) {
    uint64_t a = 0, b = 0;
    CHECK_EQ_INT(nana_proc_starttime(getpid(), &a), 0);
    CHECK(a > 0);
    CHECK_EQ_INT(nana_proc_starttime(getpid(), &b), 0);
    CHECK_EQ_INT(a, b);
    CHECK_EQ_INT(nana_proc_starttime(0x3ffffff0, &b), -ESRCH);
}

static void a_zombie_has_no_start_time(void) {
    const char *argv[] = {"/bin/true", NULL};
    int pid = nana_spawn("/bin/true", argv, NULL, NULL, NULL, 0, 0);
    usleep(200 * 1000); /* exited, not reaped: a zombie */
    uint64_t v;
    CHECK_EQ_INT(nana_proc_starttime(pid, &v), -ESRCH);
    int st;
    nana_waitpid(pid, &st, 0);
}

static void caps_pipe_size_at_pipe_max_size(void) {
    CHECK_EQ_INT(nana__pipe_size_cap(1 << 20, "65536\n"), 65536);
    CHECK_EQ_INT(nana__pipe_size_cap(4096, "1048576\n"), 4096);
    CHECK_EQ_INT(nana__pipe_size_cap(1 << 22, NULL), 1 << 20);
    int p[2];
    CHECK_EQ_INT(nana_pipe(p), 0);
    CHECK(nana_pipe_set_size(p[0], 256 * 1024) >= 256 * 1024);
    CHECK(fcntl(p[0], F_GETFD) & FD_CLOEXEC);
    close(p[0]);
    close(p[1]);
}

static void exit_fifo_reader_sees_hup_only_after_its_writer_dies(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/exit", check_tmpdir());
    CHECK_EQ_INT(nana_mkfifo(path, 0600), 0);
    CHECK_EQ_INT(nana_mkfifo(path, 0600), -EEXIST);

    int r = nana_fifo_open_read(path); /* before any writer: must not block */
    CHECK(r >= 0);
    CHECK_EQ_INT(nana_poll(r, POLLIN, 0), 0); /* no HUP before the first writer */

    int w = nana_fifo_open_write(path); /* must not block, even with a reader */
    CHECK(w >= 0);
    CHECK(fcntl(w, F_GETFD) & FD_CLOEXEC);
    CHECK_EQ_INT(nana_poll(r, POLLIN, 0), 0);
    CHECK_EQ_INT(nana_close(w), 0);
    CHECK(nana_poll(r, POLLIN, 1000) & POLLHUP);

    /* a second reader opened while the writer lives also sees HUP */
    w = nana_fifo_open_write(path);
    int r2 = nana_fifo_open_read(path);
    CHECK_EQ_INT(nana_poll(r2, POLLIN, 0), 0);
    close(w);
    CHECK(nana_poll(r2, POLLIN, 1000) & POLLHUP);
    close(r);
    close(r2);
}

static void fifo_open_refuses_what_is_not_a_fifo(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/plain", check_tmpdir());
    int fd = open(path, O_CREAT | O_WRONLY, 0600);
    close(fd);
    CHECK_EQ_INT(nana_fifo_open_read(path), -EINVAL);
    CHECK_EQ_INT(nana_fifo_open_write(path), -EINVAL);
    CHECK_EQ_INT(nana_fifo_open_read("/nonexistent/x"), -ENOENT);
}

static void spawn_gives_exactly_the_mapped_fds(void) {
    int out[2];
    CHECK_EQ_INT(nana_pipe(out), 0);
    int stray = open("/dev/null", O_RDONLY); /* not CLOEXEC: must still not leak */
    int fds[3] = {-1, out[1], out[1]};
    const char *argv[] = {"/bin/sh", "-c", "ls /proc/self/fd | tr '\\n' ' '; exit 7", NULL};
    int pid = nana_spawn("/bin/sh", argv, NULL, "/", fds, 3, NANA_SPAWN_SETSID);
    CHECK(pid > 0);
    close(out[1]);
    char buf[256] = {0};
    int n = 0, r;
    while ((r = nana_read(out[0], buf + n, (int32_t)sizeof buf - 1 - n)) > 0)
        n += r;
    close(out[0]);
    close(stray);
    /* 0 1 2, and the fd ls itself opens on /proc/self/fd */
    CHECK_EQ_STR(buf, "0 1 2 3 ");
    int status = 0;
    CHECK_EQ_INT(nana_waitpid(pid, &status, 0), pid);
    CHECK_EQ_INT(nana_exit_code(status), 7);
}

static void spawn_maps_fds_that_overlap_their_targets(void) {
    /* fds[0] = 1 and fds[1] = 0: a naive dup2 order would clobber one */
    int a[2], b[2];
    nana_pipe(a);
    nana_pipe(b);
    int hi_a = fcntl(a[1], F_DUPFD_CLOEXEC, 100), hi_b = fcntl(b[1], F_DUPFD_CLOEXEC, 101);
    int fds[3] = {-1, hi_a, hi_b};
    const char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2", NULL};
    int pid = nana_spawn("/bin/sh", argv, NULL, NULL, fds, 3, 0);
    close(a[1]);
    close(b[1]);
    close(hi_a);
    close(hi_b);
    char o[16] = {0}, e[16] = {0};
    CHECK_EQ_INT(nana_read(a[0], o, sizeof o - 1), 4);
    CHECK_EQ_INT(nana_read(b[0], e, sizeof e - 1), 4);
    CHECK_EQ_STR(o, "out\n");
    CHECK_EQ_STR(e, "err\n");
    int st;
    nana_waitpid(pid, &st, 0);
    CHECK_EQ_INT(nana_exit_code(st), 0);
}

static void spawn_reports_a_missing_program(void) {
    const char *argv[] = {"/nonexistent", NULL};
    CHECK_EQ_INT(nana_spawn("/nonexistent", argv, NULL, NULL, NULL, 0, 0), -ENOENT);
    CHECK_EQ_INT(nana_waitpid(-1, NULL, 0), -EINVAL); /* never "any child" */
}

static void exit_code_of_a_signal_is_128_plus_it(void) {
    const char *argv[] = {"/bin/sleep", "10", NULL};
    int pid = nana_spawn("/bin/sleep", argv, NULL, NULL, NULL, 0, 0);
    int st = 0;
    CHECK_EQ_INT(nana_waitpid(pid, &st, 1), 0); /* still running */
    CHECK_EQ_INT(nana_kill(pid, SIGKILL), 0);
    CHECK_EQ_INT(nana_waitpid(pid, &st, 0), pid);
    CHECK_EQ_INT(nana_exit_code(st), 137);
}

/* Whether pid is a live process (a zombie is not). */
static int alive(int pid) {
    char path[64], stat[256] = {0};
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, stat, sizeof stat - 1);
    close(fd);
    char *end = n > 0 ? strrchr(stat, ')') : NULL;
    return end != NULL && end[2] != 'Z';
}

static void kill_group_reaches_what_the_program_started(void) {
    /* sh starts a grandchild in its session; killing the group must reach both */
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    const char *argv[] = {"/bin/sh", "-c", "sleep 100 & echo $!; wait", NULL};
    int32_t map[3] = {-1, fds[1], -1};
    int pid = nana_spawn("/bin/sh", argv, NULL, NULL, map, 3, NANA_SPAWN_SETSID);
    CHECK(pid > 0);
    close(fds[1]);
    char buf[32] = {0};
    CHECK(read(fds[0], buf, sizeof buf - 1) > 0);
    close(fds[0]);
    int grandchild = atoi(buf);
    CHECK(grandchild > 0);
    CHECK_EQ_INT(nana_kill_group(1, SIGKILL), -EINVAL); /* never init's group */
    CHECK_EQ_INT(nana_kill_group(pid, SIGKILL), 0);
    int st;
    CHECK_EQ_INT(nana_waitpid(pid, &st, 0), pid);
    for (int i = 0; i < 200 && alive(grandchild); i++)
        usleep(10000);
    CHECK(!alive(grandchild));
}

static void pidfd_signals_its_process(void) {
    const char *argv[] = {"/bin/sleep", "10", NULL};
    int pid = nana_spawn("/bin/sleep", argv, NULL, NULL, NULL, 0, 0);
    int pfd = nana_pidfd_open(pid);
    if (pfd == -ENOSYS) {
        nana_kill(pid, SIGKILL);
    } else {
        CHECK(pfd >= 0);
        CHECK_EQ_INT(nana_pidfd_send_signal(pfd, SIGTERM), 0);
        CHECK(nana_poll(pfd, POLLIN, 2000) & POLLIN); /* readable once it exits */
        close(pfd);
    }
    int st;
    nana_waitpid(pid, &st, 0);
}

static void epoll_reports_tokens(void) {
    int ep = nana_epoll_create();
    int ev = nana_eventfd();
    CHECK_EQ_INT(nana_epoll_add(ep, ev, 0xfeedbeef12ULL, NANA_EV_IN), 0);
    uint64_t tokens[4];
    int32_t events[4];
    CHECK_EQ_INT(nana_epoll_wait(ep, tokens, events, 4, 0), 0);
    uint64_t one = 1;
    CHECK_EQ_INT(nana_write(ev, &one, 8), 8);
    CHECK_EQ_INT(nana_epoll_wait(ep, tokens, events, 4, 1000), 1);
    CHECK(tokens[0] == 0xfeedbeef12ULL);
    CHECK(events[0] & NANA_EV_IN);
    CHECK_EQ_INT(nana_epoll_del(ep, ev), 0);
    CHECK_EQ_INT(nana_epoll_wait(ep, tokens, events, 0, 0), -EINVAL);
    close(ev);
    close(ep);
}

static void passes_descriptors_over_a_unix_socket(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/cli.sock", check_tmpdir());
    int l = nana_unix_listen(path, 4);
    CHECK(l >= 0);
    struct stat st;
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    int c = nana_unix_connect(path);
    CHECK(c >= 0);
    int s = nana_accept(l);
    CHECK(s >= 0);
    CHECK_EQ_INT(nana_peer_uid(s), (int)getuid());

    int p[2];
    nana_pipe(p);
    char data[] = "hello";
    struct iovec iov = {.iov_base = data, .iov_len = 5};
    union {
        char buf[CMSG_SPACE(2 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
    memcpy(CMSG_DATA(cm), p, sizeof p);
    CHECK_EQ_INT(sendmsg(c, &msg, 0), 5);

    char buf[16] = {0};
    int32_t fds[4], nfds = -1;
    CHECK_EQ_INT(nana_recv_fds(s, buf, sizeof buf, fds, 4, &nfds), 5);
    CHECK_EQ_STR(buf, "hello");
    CHECK_EQ_INT(nfds, 2);
    CHECK(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
    CHECK_EQ_INT(nana_write(fds[1], "x", 1), 1); /* the passed write end works */
    char x = 0;
    CHECK_EQ_INT(nana_read(p[0], &x, 1), 1);
    CHECK_EQ_INT(x, 'x');
    CHECK_EQ_INT(nana_isatty(fds[0]), 0);
    for (int i = 0; i < 2; i++) {
        close(fds[i]);
        close(p[i]);
    }
    close(c);
    CHECK_EQ_INT(nana_recv_fds(s, buf, sizeof buf, fds, 4, &nfds), 0); /* EOF */
    close(s);
    close(l);
    CHECK_EQ_INT(nana_unix_connect("/nonexistent/x.sock"), -ENOENT);
}

static void strerror_and_version(void) {
    char buf[64];
    CHECK(nana_strerror(ENOENT, buf, sizeof buf) > 0);
    CHECK_EQ_STR(buf, "No such file or directory");
    CHECK_EQ_INT(nana_abi_version(), NANA_ABI_VERSION);
}

int main(void) {
    RUN(parses_starttime_after_a_hostile_comm);
    RUN(reads_own_starttime_and_refuses_a_dead_pid);
    RUN(a_zombie_has_no_start_time);
    RUN(caps_pipe_size_at_pipe_max_size);
    RUN(exit_fifo_reader_sees_hup_only_after_its_writer_dies);
    RUN(fifo_open_refuses_what_is_not_a_fifo);
    RUN(spawn_gives_exactly_the_mapped_fds);
    RUN(spawn_maps_fds_that_overlap_their_targets);
    RUN(spawn_reports_a_missing_program);
    RUN(exit_code_of_a_signal_is_128_plus_it);
    RUN(kill_group_reaches_what_the_program_started);
    RUN(pidfd_signals_its_process);
    RUN(epoll_reports_tokens);
    RUN(passes_descriptors_over_a_unix_socket);
    RUN(strerror_and_version);
    return CHECK_DONE();
}
