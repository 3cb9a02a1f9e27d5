/*
 * nana-shim: the parent of one container process, from create to exit.
 *
 * Started by the supervisor with its cwd in the process folder. In order:
 *   1. become a subreaper; hold the exit FIFO's write end (O_CLOEXEC) until death;
 *   2. set up stdio: pipes (or a pty) to the container, the output log, client FIFOs;
 *   3. `<runtime> create` (or `exec -d`), so the process exists but has not run;
 *   4. arm the OOM watch on its memory cgroup, before the user's program runs;
 *   5. `<runtime> start`, at once (run) or on "start" from the control FIFO;
 *   6. copy stdio, reap every child, and when the process exits write exitStatus
 *      and exit, which closes the exit FIFO: its readers see HUP.
 * Progress goes to the supervisor over the sync pipe, one line a step:
 *   "created <pid>", "started", or "error <message>" (then the shim exits 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "control.h"
#include "error.h"
#include "files.h"
#include "crilog.h"
#include "log.h"
#include "nana.h"
#include "oom.h"
#include "options.h"
#include "protocol.h"
#include "runtime.h"
#include "startfifo.h"
#include "streams.h"

/* The shim's own name in the process folder (the others are in protocol.h). */
#define CONSOLE_SOCKET "tty.sock"

enum token {
    T_SIGNAL,
    T_CONTROL,
    T_STDOUT,
    T_STDERR,
    T_MASTER,
    T_STDIN_FIFO,
    T_STDIN_PIPE,
    T_OOM,
    T_CLIENT_STDOUT, /* T_CLIENT_STDOUT + stream: a client's output FIFO */
    T_CLIENT_STDERR,
};

#define DRAIN_IDLE_MS 100 /* after the process exits: stop when output is idle this long */
#define DRAIN_MAX_MS 2000 /* ... or after this long, whoever still holds the pipes */
/* What an attached client may have waiting: while the process runs, the shim reads no more
 * for a client that is behind, so one read; after it exited, what its pipes still held
 * (a pipe holds 1 MiB at most) and what orphans write in the drain's last seconds. */
#define PENDING_RUNNING (64 << 10)
#define PENDING_DRAINING (8 << 20)

struct shim {
    const struct shim_options *opt;
    struct runtime rt;
    char cwd[PATH_MAX];
    char path[4][PATH_MAX + 16]; /* absolute: log.json, pid, tty.sock, process.json */
    int exit_fd, control_fd, signal_fd, epoll_fd;
    int out[2];                  /* read ends of the container's stdout/stderr pipes (or -1) */
    struct client_out client[2]; /* client FIFOs for stdout/stderr */
    int paused[2];               /* a stream's source is not read: its client is behind */
    int master;                  /* pty master (terminal) or -1 */
    int in_fifo;                 /* client FIFO for stdin, or -1 */
    int in_target;               /* where stdin goes: the pipe's write end or the master */
    char in_buf[65536];
    size_t in_len;   /* bytes read from in_fifo not yet written to in_target */
    int close_stdin; /* close in_target once in_buf is flushed */
    int in_blocked;  /* in_buf waits for in_target to take it */
    struct output_log log;
    struct cri_log cri; /* the Kubernetes CRI log, when asked for */
    struct oom_watch oom;
    struct line_buffer control_lines;
    pid_t pid;
    int started, exited, exit_code;
    unsigned long long dropped; /* output bytes a client FIFO did not get (all are in the log) */
    int splice_off;             /* splice/tee failed once here: copy from then on */
};

enum { AT_LOG_JSON, AT_PID, AT_CONSOLE, AT_PROCESS };

static void say(struct shim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct shim *s, const char *fmt, ...) {
    if (s->opt->sync_fd < 0)
        return;
    char line[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (write(s->opt->sync_fd, line, (size_t)n) != n)
        shim_warn("tell the supervisor \"%.*s\": %s", n - 1, line, strerror(errno));
}

static int watch(struct shim *s, int fd, enum token t, uint32_t events, nana_err *err) {
    struct epoll_event ev = {.events = events, .data.u64 = t};
    if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
        return nerr_set(err, errno, "epoll add");
    return 0;
}

static void rewatch(struct shim *s, int fd, enum token t, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.u64 = t};
    if (epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0)
        shim_warn("epoll mod: %s", strerror(errno));
}

static void close_fd(struct shim *s, int *fd) {
    if (*fd < 0)
        return;
    epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, *fd, NULL);
    close(*fd);
    *fd = -1;
}

/* Step 1: subreaper, signals, and the FIFOs that outlive any supervisor. */
static int prepare_lifetime(struct shim *s, nana_err *err) {
    if (nana_set_subreaper(1) < 0)
        return nerr_set(err, errno, "become a subreaper");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    s->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (s->signal_fd < 0)
        return nerr_set(err, errno, "signalfd");
    s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (s->epoll_fd < 0)
        return nerr_set(err, errno, "epoll_create1");

    s->exit_fd = nana_fifo_open_write(SHIM_EXIT_FIFO);
    if (s->exit_fd < 0)
        return nerr_set(err, -s->exit_fd, "open exit fifo \"%s/%s\"", s->cwd, SHIM_EXIT_FIFO);
    s->control_fd = nana_fifo_open_rdwr(SHIM_CONTROL_FIFO);
    if (s->control_fd < 0)
        return nerr_set(err, -s->control_fd, "open control fifo \"%s/%s\"", s->cwd,
                        SHIM_CONTROL_FIFO);

    char who[64];
    uint64_t start = 0;
    nana_proc_starttime(getpid(), &start);
    int n = snprintf(who, sizeof who, "%d %llu\n", (int)getpid(), (unsigned long long)start);
    if (file_write_atomic(SHIM_SHIM_FILE, who, (size_t)n, err) < 0)
        return -1;
    if (watch(s, s->signal_fd, T_SIGNAL, EPOLLIN, err) < 0 ||
        watch(s, s->control_fd, T_CONTROL, EPOLLIN, err) < 0)
        return -1;
    return 0;
}

/* Step 2: the container's stdio. Returns in fds what the runtime must get as
 * its fds 0-2 (the container's ends); the shim keeps the other ends. */
static int prepare_stdio(struct shim *s, int fds[3], nana_err *err) {
    const struct shim_options *o = s->opt;
    fds[0] = fds[1] = fds[2] = -1;
    if (output_log_open(&s->log, SHIM_OUTPUT_LOG, SHIM_OUTPUT_LOG_OFFSETS, o->log_max_size, err) <
        0)
        return -1;
    if (cri_log_open(&s->cri, o->cri_log, err) < 0)
        return -1;
    const char *out_paths[2] = {o->stdout_path, o->stderr_path};
    for (int i = 0; i < 2; i++)
        if (out_paths[i] != NULL && client_out_open(&s->client[i], out_paths[i], err) < 0)
            return -1;
    if (o->stdin_path != NULL && (s->in_fifo = client_fifo_open(o->stdin_path, err)) < 0)
        return -1;
    if (o->terminal)
        return 0; /* the pty replaces all three; it arrives during create */

    int p[2];
    if (o->stdin_path != NULL) {
        if (pipe2(p, O_CLOEXEC) < 0)
            return nerr_set(err, errno, "stdin pipe");
        fds[0] = p[0];
        s->in_target = p[1];
        fcntl(p[1], F_SETFL, O_NONBLOCK);
        pipe_grow(p[1]);
    }
    for (int i = 0; i < 2; i++) {
        if (pipe2(p, O_CLOEXEC) < 0)
            return nerr_set(err, errno, "%s pipe", i == 0 ? "stdout" : "stderr");
        fds[1 + i] = p[1];
        s->out[i] = p[0];
        pipe_grow(p[0]);
    }
    return 0;
}

static void close_container_ends(int fds[3]) {
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* Removes what a failed create or start left in the runtime. */
static void forget_container(struct shim *s) {
    nana_err ignored;
    const char *sub[] = {"delete", "--force", s->opt->id, NULL};
    const int null_stdio[3] = {-1, -1, -1};
    runtime_call(&s->rt, sub, null_stdio, 0, &ignored);
}

/* Step 3: `create` (or `exec -d`): the process exists, the user's program has not run. */
static int create_process(struct shim *s, nana_err *err) {
    const struct shim_options *o = s->opt;
    int fds[3];
    if (prepare_stdio(s, fds, err) < 0)
        return nerr_wrap(err, "set up stdio");
    /* sun_path holds 108 bytes, a deep state directory's folder may not: then a private folder
       in /tmp holds the console socket, as containerd's do */
    const char *console = s->path[AT_CONSOLE];
    char short_dir[32] = "";
    char short_path[48];
    if (o->terminal && strlen(console) >= sizeof((struct sockaddr_un){0}).sun_path) {
        snprintf(short_dir, sizeof short_dir, "/tmp/nana-tty-XXXXXX");
        if (mkdtemp(short_dir) == NULL)
            return nerr_set(err, errno, "make a folder for the console socket in /tmp");
        snprintf(short_path, sizeof short_path, "%s/%s", short_dir, CONSOLE_SOCKET);
        console = short_path;
    }
    int listen_fd = -1;
    if (o->terminal && (listen_fd = console_listen(console, err)) < 0) {
        if (short_dir[0] != '\0')
            rmdir(short_dir);
        return -1;
    }

    const char *sub[16];
    int n = 0;
    if (o->exec_process != NULL) {
        sub[n++] = "exec";
        sub[n++] = "--detach";
        sub[n++] = "--process";
        sub[n++] = s->path[AT_PROCESS];
    } else if (o->restore_image != NULL) {
        /* CRIU brings the processes back running: there is no separate start */
        sub[n++] = "restore";
        sub[n++] = "--detach";
        sub[n++] = "--bundle";
        sub[n++] = o->bundle;
        sub[n++] = "--image-path";
        sub[n++] = o->restore_image;
    } else {
        sub[n++] = "create";
        sub[n++] = "--bundle";
        sub[n++] = o->bundle;
    }
    sub[n++] = "--pid-file";
    sub[n++] = s->path[AT_PID];
    if (o->terminal) {
        sub[n++] = "--console-socket";
        sub[n++] = console;
    }
    sub[n++] = o->id;
    sub[n] = NULL;

    int rc = runtime_call(&s->rt, sub, fds, o->exec_process == NULL, err);
    close_container_ends(fds);
    if (rc == 0 && o->terminal) {
        s->master = console_receive_master(listen_fd, 5000, err);
        rc = s->master < 0 ? -1 : 0;
        s->in_target = s->master;
    }
    if (listen_fd >= 0) {
        close(listen_fd);
        unlink(console);
        if (short_dir[0] != '\0')
            rmdir(short_dir);
    }
    if (rc < 0 || file_read_pid(SHIM_PID_FILE, &s->pid, err) < 0) {
        if (o->exec_process == NULL)
            forget_container(s);
        return -1;
    }

    char text[32];
    uint64_t start = 0;
    if (nana_proc_starttime(s->pid, &start) == 0) {
        int len = snprintf(text, sizeof text, "%llu\n", (unsigned long long)start);
        if (file_write_atomic(SHIM_STARTTIME_FILE, text, (size_t)len, err) < 0)
            shim_warn("%s", err->msg);
    }

    for (int i = 0; i < 2; i++)
        if (s->out[i] >= 0 && watch(s, s->out[i], i == 0 ? T_STDOUT : T_STDERR, EPOLLIN, err) < 0)
            return -1;
    if (s->master >= 0 && watch(s, s->master, T_MASTER, EPOLLIN, err) < 0)
        return -1;
    for (int i = 0; i < 2; i++)
        if (s->client[i].fd >= 0 && watch(s, s->client[i].fd, T_CLIENT_STDOUT + i, 0, err) < 0)
            return -1;
    if (s->in_fifo >= 0 && watch(s, s->in_fifo, T_STDIN_FIFO, EPOLLIN, err) < 0)
        return -1;
    if (s->in_target >= 0 && s->in_target != s->master &&
        watch(s, s->in_target, T_STDIN_PIPE, 0, err) < 0)
        return -1;
    return 0;
}

/* Step 4: the OOM watch, armed while the process is still held by the runtime. */
static void arm_oom_watch(struct shim *s) {
    nana_err err;
    if (oom_watch_open(&s->oom, s->pid, &err) < 0) {
        shim_warn("oom watch for \"%s\" not armed: %s", s->opt->id, err.msg);
        return;
    }
    if (watch(s, s->oom.fd, T_OOM, EPOLLIN, &err) < 0)
        shim_warn("oom watch: %s", err.msg);
}

static void record_oom(struct shim *s) {
    uint64_t fresh = oom_watch_check(&s->oom);
    for (uint64_t i = 0; i < fresh; i++) {
        char line[160];
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(line, sizeof line, "{\"time\":%lld%09ld,\"pid\":%d,\"oomKill\":%llu}\n",
                 (long long)ts.tv_sec, ts.tv_nsec, (int)s->pid,
                 (unsigned long long)(s->oom.kills - fresh + i + 1));
        nana_err err;
        if (file_append_line(SHIM_OOM_FILE, line, &err) < 0)
            shim_warn("record oom kill: %s", err.msg);
    }
}

/* Step 5: `start`: the user's program runs. */
static int start_process(struct shim *s, nana_err *err) {
    if (s->started)
        return 0;
    if (s->opt->exec_process == NULL && s->opt->restore_image == NULL) {
        /* what `<runtime> start` does, without its process, where the runtime allows */
        int rc = start_fifo_release(s->opt->start_fifo, s->opt->start_fifo_path, s->pid, err);
        if (rc == START_FIFO_ABSENT) {
            const char *sub[] = {"start", s->opt->id, NULL};
            const int null_stdio[3] = {-1, -1, -1};
            rc = runtime_call(&s->rt, sub, null_stdio, 1, err);
        }
        if (rc < 0) {
            forget_container(s);
            return -1;
        }
    }
    s->started = 1;
    if (file_write_atomic(SHIM_STARTED_FILE, "", 0, err) < 0)
        shim_warn("%s", err->msg);
    say(s, SHIM_SYNC_STARTED "\n");
    return 0;
}

/* Tells how the process ended: its OOM kills first (an OOM kill is counted before the exit
 * it caused is told), then exitStatus, written atomically. */
static int record_exit(struct shim *s, nana_err *err) {
    record_oom(s);
    char text[16];
    int n = snprintf(text, sizeof text, "%d\n", s->exit_code);
    return file_write_atomic(SHIM_EXIT_STATUS_FILE, text, (size_t)n, err);
}

/*
 * A start that failed leaves a created process whose program never ran — most often one
 * killed between create and start. It must not leave a folder with a pid and no exit
 * status (a supervisor restarted then could only derive one), so the shim makes sure the
 * process is gone (it is the shim's child: its pid cannot be reused before it is reaped),
 * reaps it, records how it ended, and then fails as before.
 */
static __attribute__((noreturn)) void start_failed(struct shim *s, nana_err *err) {
    if (!s->exited && s->pid > 0) {
        kill(s->pid, SIGKILL);
        int status;
        pid_t r;
        do
            r = waitpid(s->pid, &status, 0);
        while (r < 0 && errno == EINTR);
        if (r == s->pid) {
            s->exited = 1;
            s->exit_code = nana_exit_code(status);
        }
    }
    nana_err werr;
    if (s->exited && record_exit(s, &werr) < 0)
        shim_warn("%s", werr.msg);
    shim_bail(err);
}

static void reap_children(struct shim *s) {
    struct signalfd_siginfo si;
    while (read(s->signal_fd, &si, sizeof si) == sizeof si) {
    }
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
        if (p == s->pid && !s->exited) {
            s->exited = 1;
            s->exit_code = nana_exit_code(status);
        }
    }
}

/* The fd a stream of output comes from: the pty master carries stdout with a terminal. */
static int source_fd(struct shim *s, int stream) {
    return stream == 0 && s->master >= 0 ? s->master : s->out[stream];
}

/* Sets what epoll reports for a stream: its source is read unless its client is behind (the
 * master also reports room for stdin while stdin waits), and its client reports room while
 * bytes wait for it (and always its reader's departure: EPOLLERR). */
static void rewatch_stream(struct shim *s, int stream) {
    int src = source_fd(s, stream);
    if (src >= 0) {
        uint32_t ev = s->paused[stream] ? 0 : EPOLLIN;
        if (src == s->master && s->in_blocked)
            ev |= EPOLLOUT;
        struct epoll_event e = {
            .events = ev, .data.u64 = src == s->master ? T_MASTER : T_STDOUT + (unsigned)stream};
        /* a paused source leaves the set: epoll reports HUP whatever is asked, and a source
         * whose writers are gone would wake the loop again and again */
        if (ev == 0)
            epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, src, NULL);
        else if (epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, src, &e) < 0 &&
                 (errno != ENOENT || epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, src, &e) < 0))
            shim_warn("epoll: %s", strerror(errno));
    }
    struct client_out *c = &s->client[stream];
    if (c->fd >= 0 && !c->lossy)
        rewatch(s, c->fd, T_CLIENT_STDOUT + stream, c->len > 0 || s->paused[stream] ? EPOLLOUT : 0);
}

/* A stream's attached reader went away: from now on its output goes to the log alone. */
static void detach_client(struct shim *s, int stream) {
    struct client_out *c = &s->client[stream];
    if (c->fd >= 0)
        epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
    if (c->len > 0)
        s->dropped += c->len;
    client_out_close(c);
    s->paused[stream] = 0;
    rewatch_stream(s, stream);
}

/* Where a client stands after a send or a flush: a client that is behind pauses its source
 * while the process runs (back-pressure); one that is gone is detached. */
static void client_moved(struct shim *s, int stream, enum client_state st) {
    if (st == CLIENT_GONE) {
        detach_client(s, stream);
        return;
    }
    s->paused[stream] = st == CLIENT_BEHIND && !s->exited;
    rewatch_stream(s, stream);
}

/* Reads n bytes a client already has (tee'd) off a pipe into the log alone. */
static void log_only(struct shim *s, int fd, size_t n) {
    static char buf[65536];
    while (n > 0) {
        ssize_t r = read(fd, buf, n < sizeof buf ? n : sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        output_log_write(&s->log, buf, (size_t)r);
        n -= (size_t)r;
    }
}

/* The most one spliced step moves: the pipes hold 1 MiB. */
#define SPLICE_STEP (1 << 20)

/*
 * Output from a pipe to the log and an attached client without copying it through the shim:
 * tee(2) duplicates what the client's FIFO has room for, then splice(2) moves the same bytes
 * into the log. A client that is behind gets nothing duplicated, so nothing is consumed: the
 * bytes wait in the container's pipe, and the container's writes block. 1 when it took the
 * step, 0 when this stream must take the copying path (no pipe, a CRI log, a lossy client or
 * one with bytes waiting, the drain after exit, or a log that cannot be spliced to).
 */
static int pump_spliced(struct shim *s, int *fd, int stream) {
    struct client_out *c = &s->client[stream];
    if (*fd == s->master || s->cri.fd >= 0 || s->exited || s->splice_off ||
        (c->fd >= 0 && (c->lossy || c->len > 0)))
        return 0;
    size_t n = SPLICE_STEP;
    if (c->fd >= 0) {
        ssize_t t = tee(*fd, c->fd, SPLICE_STEP, SPLICE_F_NONBLOCK);
        if (t < 0 && errno == EINTR)
            return 1;
        if (t < 0 && errno == EAGAIN) {
            int queued = 0;
            if (ioctl(*fd, FIONREAD, &queued) == 0 && queued > 0) {
                s->paused[stream] = 1; /* the client's FIFO is full */
                rewatch_stream(s, stream);
                return 1;
            }
            /* nothing there: woken for nothing, or the pipe's end, which the copying path's
             * read sees (a read of an empty pipe whose writers live would block) */
            struct pollfd p = {.fd = *fd, .events = POLLIN};
            return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) ? 0 : 1;
        }
        if (t < 0 && errno == EPIPE) {
            detach_client(s, stream);
            return 1; /* its output goes to the log alone from now on */
        }
        if (t < 0) {
            s->splice_off = 1;
            shim_info("tee to a client fifo: %s; copying instead", strerror(errno));
            return 0;
        }
        if (t == 0)
            return 0; /* the pipe's end */
        n = (size_t)t;
    }
    ssize_t moved = output_log_splice(&s->log, *fd, n);
    if (moved < 0 && errno == EAGAIN)
        return 1; /* woken for nothing */
    if (moved < 0 && c->fd < 0) {
        s->splice_off = 1;
        shim_info("splice to the output log: %s; copying instead", strerror(errno));
        return 0;
    }
    if (moved == 0 && c->fd < 0)
        return 0; /* the pipe's end: the copying path closes it */
    if (c->fd >= 0 && (size_t)(moved < 0 ? 0 : moved) < n) {
        /* the client has these bytes already: the log gets them by copying */
        if (moved < 0) {
            s->splice_off = 1;
            shim_info("splice to the output log: %s; copying instead", strerror(errno));
        }
        log_only(s, *fd, n - (size_t)(moved < 0 ? 0 : moved));
    }
    return 1;
}

static void pump_output(struct shim *s, int *fd, int stream) {
    static char buf[65536];
    if (s->paused[stream] && !s->exited)
        return; /* its client is behind: the container waits */
    if (pump_spliced(s, fd, stream))
        return;
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) { /* EOF, or EIO on a pty whose slave side is gone */
        close_fd(s, fd);
        cri_log_flush(&s->cri, stream);
        return;
    }
    output_log_write(&s->log, buf, (size_t)n);
    cri_log_write(&s->cri, stream, buf, (size_t)n);
    struct client_out *c = &s->client[stream];
    if (c->fd < 0)
        return;
    if (c->lossy) {
        s->dropped += client_fifo_write(c->fd, buf, (size_t)n);
        return;
    }
    size_t max = s->exited ? PENDING_DRAINING : PENDING_RUNNING;
    client_moved(s, stream, client_out_send(c, buf, (size_t)n, max, &s->dropped));
}

/* A client FIFO has room, or its reader went away. */
static void client_ready(struct shim *s, int stream, uint32_t events) {
    struct client_out *c = &s->client[stream];
    if (c->fd < 0)
        return;
    if (events & (EPOLLERR | EPOLLHUP)) {
        detach_client(s, stream);
        return;
    }
    client_moved(s, stream, client_out_flush(c));
}

static void flush_stdin(struct shim *s) {
again:
    while (s->in_len > 0 && s->in_target >= 0) {
        ssize_t w = write(s->in_target, s->in_buf, s->in_len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            break;
        if (w < 0) { /* the container closed its stdin */
            s->in_len = 0;
            break;
        }
        memmove(s->in_buf, s->in_buf + w, s->in_len - (size_t)w);
        s->in_len -= (size_t)w;
    }
    int blocked = s->in_len > 0;
    s->in_blocked = blocked;
    /* read more from the client only when what we hold is written */
    if (s->in_fifo >= 0)
        rewatch(s, s->in_fifo, T_STDIN_FIFO, blocked ? 0 : EPOLLIN);
    if (s->in_target >= 0 && s->in_target != s->master)
        rewatch(s, s->in_target, T_STDIN_PIPE, blocked ? EPOLLOUT : 0);
    else if (s->master >= 0)
        rewatch_stream(s, 0);
    if (!blocked && s->close_stdin && s->in_target >= 0) {
        /* what the client wrote before it asked to close is in the FIFO still: it goes first */
        ssize_t n = s->in_fifo >= 0 ? read(s->in_fifo, s->in_buf, sizeof s->in_buf) : 0;
        if (n > 0) {
            s->in_len = (size_t)n;
            goto again;
        }
        if (s->in_target == s->master) {
            if (write(s->master, "\x04", 1) < 0) /* EOF for the line discipline */
                shim_warn("send EOF to the terminal: %s", strerror(errno));
            s->in_target = -1;
        } else {
            close_fd(s, &s->in_target);
        }
        close_fd(s, &s->in_fifo);
    }
}

static void read_stdin(struct shim *s) {
    ssize_t n = read(s->in_fifo, s->in_buf, sizeof s->in_buf);
    if (n > 0) {
        s->in_len = (size_t)n;
        flush_stdin(s);
    }
}

/* A client (re)attaches: its FIFOs replace the old ones (whose waiting bytes go with them). */
static void attach_client(struct shim *s, const struct control_cmd *cmd) {
    nana_err err;
    for (int i = 0; i < 2; i++) {
        detach_client(s, i);
        if (!cmd->paths[i][0])
            continue;
        if (client_out_open(&s->client[i], cmd->paths[i], &err) < 0 ||
            watch(s, s->client[i].fd, T_CLIENT_STDOUT + i, 0, &err) < 0) {
            shim_warn("attach: %s", err.msg);
            client_out_close(&s->client[i]);
        }
    }
    if (cmd->paths[2][0]) {
        if (s->in_target < 0) {
            shim_warn("attach: \"%s\" was started without stdin; attach its output only",
                      s->opt->id);
            return;
        }
        close_fd(s, &s->in_fifo);
        s->in_len = 0;
        if ((s->in_fifo = client_fifo_open(cmd->paths[2], &err)) < 0) {
            shim_warn("attach: %s", err.msg);
            s->in_fifo = -1;
        } else if (watch(s, s->in_fifo, T_STDIN_FIFO, EPOLLIN, &err) < 0) {
            shim_warn("attach: %s", err.msg);
        }
    }
}

static void handle_control(struct shim *s) {
    char data[4096], line[4096];
    ssize_t n = read(s->control_fd, data, sizeof data);
    if (n <= 0)
        return;
    line_buffer_feed(&s->control_lines, data, (size_t)n);
    while (line_buffer_take(&s->control_lines, line, sizeof line)) {
        static struct control_cmd cmd; /* 3 KiB: off the stack */
        cmd = control_parse(line);
        nana_err err;
        switch (cmd.kind) {
        case CONTROL_START:
            if (start_process(s, &err) < 0) {
                nerr_wrap(&err, "start \"%s\"", s->opt->id);
                start_failed(s, &err);
            }
            break;
        case CONTROL_CLOSE_STDIN:
            s->close_stdin = 1;
            flush_stdin(s);
            break;
        case CONTROL_RESIZE:
            if (s->master < 0)
                shim_warn("resize: \"%s\" has no terminal", s->opt->id);
            else if (console_resize(s->master, cmd.rows, cmd.cols, &err) < 0)
                shim_warn("%s", err.msg);
            break;
        case CONTROL_ATTACH: attach_client(s, &cmd); break;
        case CONTROL_REOPEN_LOG:
            if (cri_log_reopen(&s->cri, &err) < 0)
                shim_warn("%s", err.msg);
            break;
        case CONTROL_INVALID: shim_warn("control fifo: unknown command \"%.200s\"", line); break;
        }
    }
}

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Step 6: serve until the process has exited and its output is drained. */
static void serve(struct shim *s) {
    long drain_until = 0;
    for (;;) {
        if (s->exited) {
            if (drain_until == 0) { /* drain: read what the pipes hold, for clients too */
                drain_until = now_ms() + DRAIN_MAX_MS;
                for (int i = 0; i < 2; i++) {
                    s->paused[i] = 0;
                    rewatch_stream(s, i);
                }
            }
            if ((s->out[0] < 0 && s->out[1] < 0 && s->master < 0) || now_ms() >= drain_until)
                return;
        }
        struct epoll_event evs[8];
        int n = epoll_wait(s->epoll_fd, evs, 8, s->exited ? DRAIN_IDLE_MS : -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 && s->exited)
            return; /* output idle: whoever still holds the pipes is not the process */
        for (int i = 0; i < n; i++) {
            switch ((enum token)evs[i].data.u64) {
            case T_CLIENT_STDOUT: client_ready(s, 0, evs[i].events); break;
            case T_CLIENT_STDERR: client_ready(s, 1, evs[i].events); break;
            case T_SIGNAL: reap_children(s); break;
            case T_CONTROL: handle_control(s); break;
            case T_STDOUT: pump_output(s, &s->out[0], 0); break;
            case T_STDERR: pump_output(s, &s->out[1], 1); break;
            case T_MASTER:
                if (evs[i].events & EPOLLOUT)
                    flush_stdin(s);
                if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                    pump_output(s, &s->master, 0);
                break;
            case T_STDIN_FIFO: read_stdin(s); break;
            case T_STDIN_PIPE: flush_stdin(s); break;
            case T_OOM: record_oom(s); break;
            }
        }
    }
}

/* The exit is told (exitStatus, then the exit FIFO closed: its readers see HUP), then what
 * attached clients still wait for is written, however long their readers take — the process
 * has exited, its output is whole in the log, and a reader that closes ends it. */
static void finish(struct shim *s) {
    reap_children(s);
    nana_err err;
    if (record_exit(s, &err) < 0)
        shim_bail(&err);
    close(s->exit_fd);
    s->exit_fd = -1;
    /* nothing more is read: only the clients, signals and control are served */
    close_fd(s, &s->out[0]);
    close_fd(s, &s->out[1]);
    if (s->in_target == s->master)
        s->in_target = -1;
    close_fd(s, &s->master);
    close_fd(s, &s->in_target);
    close_fd(s, &s->in_fifo);
    if (s->oom.fd >= 0)
        epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, s->oom.fd, NULL);
    while (s->client[0].len > 0 || s->client[1].len > 0) {
        struct epoll_event evs[8];
        int n = epoll_wait(s->epoll_fd, evs, 8, -1);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            enum token t = (enum token)evs[i].data.u64;
            if (t == T_CLIENT_STDOUT || t == T_CLIENT_STDERR)
                client_ready(s, t == T_CLIENT_STDOUT ? 0 : 1, evs[i].events);
            else if (t == T_SIGNAL)
                reap_children(s);
            else if (t == T_CONTROL)
                handle_control(s); /* an attach now replaces the client: nothing more is told */
        }
    }
    if (s->dropped > 0)
        shim_info("%llu output bytes were not written to a client fifo (all are in the log)",
                  s->dropped);
}

static void absolute(struct shim *s, int which, const char *name) {
    snprintf(s->path[which], sizeof s->path[which], "%s/%s", s->cwd, name);
}

int main(int argc, char **argv) {
    struct shim_options opt;
    struct shim s = {.opt = &opt,
                     .exit_fd = -1,
                     .control_fd = -1,
                     .signal_fd = -1,
                     .epoll_fd = -1,
                     .out = {-1, -1},
                     .client = {{.fd = -1}, {.fd = -1}},
                     .master = -1,
                     .in_fifo = -1,
                     .in_target = -1,
                     .oom = {.fd = -1},
                     .cri = {.fd = -1}};
    nana_err err = {0};

    log_open(SHIM_RUNTIME_LOG);
    if (options_parse(&opt, argc, argv, &err) < 0) {
        nerr_wrap(&err, "nana-shim");
        shim_bail(&err);
    }
    if (opt.sync_fd >= 0) {
        fcntl(opt.sync_fd, F_SETFD, FD_CLOEXEC); /* never into the runtime or container */
        log_set_sync_fd(opt.sync_fd);
    }
    if (getcwd(s.cwd, sizeof s.cwd) == NULL) {
        nerr_set(&err, errno, "getcwd");
        shim_bail(&err);
    }
    absolute(&s, AT_LOG_JSON, SHIM_RUNTIME_LOG);
    absolute(&s, AT_PID, SHIM_PID_FILE);
    absolute(&s, AT_CONSOLE, CONSOLE_SOCKET);
    if (opt.exec_process != NULL)
        snprintf(s.path[AT_PROCESS], sizeof s.path[AT_PROCESS], "%s", opt.exec_process);
    s.rt = (struct runtime){.path = opt.runtime,
                            .args = opt.runtime_args,
                            .nargs = opt.nruntime_args,
                            .log_path = s.path[AT_LOG_JSON],
                            .unshare_cgroup2 = opt.unshare_cgroup2};

    if (prepare_lifetime(&s, &err) < 0) {
        nerr_wrap(&err, "start \"%s\"", opt.id);
        shim_bail(&err);
    }
    if (create_process(&s, &err) < 0) {
        nerr_wrap(&err, "%s \"%s\"", opt.exec_process ? "exec in" : "create", opt.id);
        shim_bail(&err);
    }
    if (opt.exec_process == NULL)
        arm_oom_watch(&s);
    say(&s, SHIM_SYNC_CREATED " %d\n", (int)s.pid);
    if ((opt.start_now || opt.exec_process != NULL || opt.restore_image != NULL) &&
        start_process(&s, &err) < 0) {
        nerr_wrap(&err, "start \"%s\"", opt.id);
        start_failed(&s, &err);
    }
    serve(&s);
    finish(&s);
    return 0;
}
