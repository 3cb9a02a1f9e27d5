/*
 * nana.h — the one ABI between the nana C core (libnana) and its callers.
 *
 * Rules, so that the Java side can bind it by hand with the FFM API:
 *   - fixed-width integers and const char * only; no structs, no callbacks;
 *   - every function returns >= 0 on success or -errno on failure;
 *   - every file descriptor it creates is O_CLOEXEC;
 *   - nothing here blocks unless its name or timeout says so.
 *
 * The Java binding (dev.nana.supervisor.os.LibNana) mirrors this file line by line; the
 * test NanaHeaderDriftTest parses it and fails when the two disagree.
 * Bump NANA_ABI_VERSION whenever a signature changes.
 */
#ifndef NANA_H
#define NANA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NANA_ABI_VERSION 7

/* nana_spawn flags */
#define NANA_SPAWN_SETSID 1 /* the child starts a new session (no controlling tty) */

/* nana_epoll_* event bits (the kernel's EPOLL* values) */
#define NANA_EV_IN 0x001
#define NANA_EV_OUT 0x004
#define NANA_EV_ERR 0x008
#define NANA_EV_HUP 0x010

/* The ABI version this library was built with; Java refuses a mismatch. */
int32_t nana_abi_version(void);

/*
 * Spawns path with argv/envp (NULL-terminated arrays) in cwd (NULL: inherit).
 * The child gets exactly nfds descriptors: child fd i is a copy of fds[i],
 * or /dev/null where fds[i] < 0; every other descriptor is closed. Signal
 * mask and dispositions are reset. Returns the pid.
 */
int32_t nana_spawn(const char *path, const char *const *argv, const char *const *envp,
                   const char *cwd, const int32_t *fds, int32_t nfds, int32_t flags);

/* waitpid(pid) for one given pid (never -1). Stores the raw wait status in
 * *status; returns the pid, or 0 with NOHANG when it still runs. */
int32_t nana_waitpid(int32_t pid, int32_t *status, int32_t nohang);

/* Decodes a raw wait status: exit code, or 128 + signal. */
int32_t nana_exit_code(int32_t wait_status);

/* kill(2) of one process (pid > 0). */
int32_t nana_kill(int32_t pid, int32_t sig);

/* kill(2) of a process group: a program nana spawned in its own session, and all it started (pgid > 1). */
int32_t nana_kill_group(int32_t pgid, int32_t sig);

/* PR_SET_CHILD_SUBREAPER on the calling process (on = 1 / off = 0). */
int32_t nana_set_subreaper(int32_t on);

/* mkfifo(path, mode); -EEXIST when something is there already. */
int32_t nana_mkfifo(const char *path, uint32_t mode);

/* Opens the read end of a FIFO without blocking (O_RDONLY|O_NONBLOCK). A
 * reader sees HUP once every writer is gone, never before the first writer. */
int32_t nana_fifo_open_read(const char *path);

/* Opens the write end of a FIFO without blocking and without needing a
 * reader (O_RDWR first, then O_WRONLY, then the O_RDWR end is closed). */
int32_t nana_fifo_open_write(const char *path);

/* Opens a FIFO O_RDWR|O_NONBLOCK: never blocks, never EPIPE (control FIFO). */
int32_t nana_fifo_open_rdwr(const char *path);

/* pipe2(O_CLOEXEC); fds[0] is the read end. */
int32_t nana_pipe(int32_t *fds);

/* F_SETPIPE_SZ, capped at /proc/sys/fs/pipe-max-size; returns the new size. */
int32_t nana_pipe_set_size(int32_t fd, int32_t size);

/* splice(2) of up to len bytes from fd_in to fd_out, one of them a pipe, without blocking on
 * the pipes (SPLICE_F_NONBLOCK | SPLICE_F_MOVE): the bytes moved, 0 at the input's end;
 * -EAGAIN when nothing could move now, -EINVAL when these two cannot be spliced. */
int32_t nana_splice(int32_t fd_in, int32_t fd_out, int32_t len);

/* Sets or clears O_NONBLOCK. */
int32_t nana_set_nonblock(int32_t fd, int32_t on);

/* read(2)/write(2)/close(2), retried on EINTR. */
int32_t nana_read(int32_t fd, void *buf, int32_t len);
int32_t nana_write(int32_t fd, const void *buf, int32_t len);
int32_t nana_close(int32_t fd);

/* poll(2) of one fd; returns the revents (0 on timeout). */
int32_t nana_poll(int32_t fd, int32_t events, int32_t timeout_ms);

/* epoll: one data token per fd, events as NANA_EV_* bits. */
int32_t nana_epoll_create(void);
int32_t nana_epoll_add(int32_t epfd, int32_t fd, uint64_t token, int32_t events);
int32_t nana_epoll_del(int32_t epfd, int32_t fd);
/* Waits up to timeout_ms (-1: forever) and fills tokens[i]/events[i];
 * returns the count (0 on timeout or EINTR). */
int32_t nana_epoll_wait(int32_t epfd, uint64_t *tokens, int32_t *events, int32_t max,
                        int32_t timeout_ms);

/* inotify: an O_NONBLOCK|O_CLOEXEC instance, and a watch on path. */
int32_t nana_inotify_init(void);
int32_t nana_inotify_add(int32_t ifd, const char *path, uint32_t mask);

/* eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK): a way to wake an epoll_wait. */
int32_t nana_eventfd(void);

/* Process start time (field 22 of /proc/<pid>/stat, in clock ticks since
 * boot) into *out, to tell a pid from a reused one. -ESRCH when gone or a
 * zombie (it has exited; only its parent's wait is missing). */
int32_t nana_proc_starttime(int32_t pid, uint64_t *out);

/* pidfd_open(2) / pidfd_send_signal(2); -ENOSYS on kernels without them. */
int32_t nana_pidfd_open(int32_t pid);
int32_t nana_pidfd_send_signal(int32_t pidfd, int32_t sig);

/* Unix stream sockets, for the daemon's command-forwarding socket (the thin CLI).
 * nana_unix_listen replaces a stale socket file at path and makes it 0600; anything
 * else at path is left alone (-EEXIST). */
int32_t nana_unix_listen(const char *path, int32_t backlog);
int32_t nana_unix_connect(const char *path);
int32_t nana_accept(int32_t fd);

/* Receives up to len bytes and up to maxfds descriptors passed with SCM_RIGHTS (they
 * arrive close-on-exec); *nfds is how many came. Returns the byte count (0 at EOF). */
int32_t nana_recv_fds(int32_t fd, void *buf, int32_t len, int32_t *fds, int32_t maxfds,
                      int32_t *nfds);

/* The uid of the process at the other end of a unix socket (SO_PEERCRED). */
int32_t nana_peer_uid(int32_t fd);

/* 1 when fd is a terminal, 0 when not. */
int32_t nana_isatty(int32_t fd);

/* The size of the terminal fd is (TIOCGWINSZ): rows << 16 | columns. */
int32_t nana_term_size(int32_t fd);

/* ---- Filesystems: image layers and containers' root filesystems (the image store).
 * Linked lazily on the Java side: a process that never unpacks a layer pays nothing. */

/* mknod(2): a character or block device, or an overlayfs whiteout (a character device
 * 0:0); mode holds the file type bits and the permissions. */
int32_t nana_mknod(const char *path, uint32_t mode, uint32_t major, uint32_t minor);

/* lsetxattr(2): never through a symlink at path (e.g. "trusted.overlay.opaque" = "y"). */
int32_t nana_lsetxattr(const char *path, const char *name, const void *value, int32_t len);

/* mount(2); data may be NULL. */
int32_t nana_mount(const char *source, const char *target, const char *fstype, uint64_t flags,
                   const char *data);

/* umount2(2). */
int32_t nana_umount(const char *target, int32_t flags);

/* Opens path for reading as if root were "/" (openat2 RESOLVE_IN_ROOT, no magic links): a
 * symlink in an image's tree resolves inside the image, never on the host. Never blocks on
 * open (O_NONBLOCK); a regular file only (-EINVAL for a FIFO, a device, a folder). */
int32_t nana_open_in_root(const char *root, const char *path);

/* ---- Namespaces: the CRI's port-forward reaches a pod's ports from inside its network. */

/* setns(2) CLONE_NEWNET for the calling thread into the namespace pinned at path (a
 * /proc/PID/ns/net or a bind mount of one): sockets the thread makes after live there. Nothing
 * moves it back: call it on a thread of its own that ends once its sockets are made. */
int32_t nana_enter_netns(const char *path);

/* strerror of a positive errno into buf (NUL-terminated); returns length. */
int32_t nana_strerror(int32_t errnum, char *buf, int32_t len);

#ifdef __cplusplus
}
#endif

#endif /* NANA_H */
