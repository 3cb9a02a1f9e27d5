/*
 * nana's thin client: when a daemon listens, the CLI is this small C program. It hands its
 * argv, environment, working directory and stdio descriptors to the daemon, which runs the
 * command in its warm JVM and writes straight to those descriptors; it forwards the signals
 * it receives, and exits with the command's exit code. With no daemon it execs the JVM CLI
 * ($NANA_JVM_LAUNCHER), so nana works the same either way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "forward.h"

extern char **environ;

struct buffer {
    char *data;
    size_t len, cap;
};

static void put(struct buffer *b, const void *data, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 256;
        b->data = realloc(b->data, b->cap);
        if (b->data == NULL) {
            perror("nana");
            exit(125);
        }
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
}

static void put_u32(struct buffer *b, uint32_t v) {
    uint32_t be = htonl(v);
    put(b, &be, 4);
}

static void put_string(struct buffer *b, const char *s) {
    size_t n = strlen(s);
    put_u32(b, (uint32_t)n);
    put(b, s, n);
}

/* A global option's value as the command line gives it, NAME X / NAME=X (before "--"), or NULL. */
static const char *given_option(int argc, char **argv, const char *name) {
    size_t len = strlen(name);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], name) == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], name, len) == 0 && argv[i][len] == '=')
            return argv[i] + len + 1;
    }
    return NULL;
}

/* A global option's value: the command line's, else $ENV, else the default. */
static const char *global_option(int argc, char **argv, const char *name, const char *env,
                                 const char *fallback) {
    const char *given = given_option(argc, argv, name);
    if (given != NULL)
        return given;
    const char *value = getenv(env);
    return value != NULL && *value ? value : fallback;
}

/*
 * Whether another process holds the state directory's lock (nana.lock, an fcntl lock):
 * a daemon that is restoring before it listens, or a JVM CLI working in-process.
 */
static int state_locked(const char *state_dir) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/nana.lock", state_dir) >= (int)sizeof path)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int held = fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
    close(fd);
    return held;
}

/*
 * `nana daemon`: takes the state directory's lock before the JVM starts (~0.3 s), and keeps
 * it through exec: an fcntl lock belongs to the process, and the JVM is this same process,
 * whose own lock of the file is then granted at once. A thin client that arrives meanwhile
 * (a restart with clients waiting) sees the lock held and waits for the daemon to listen,
 * instead of starting a JVM CLI of its own that would take the lock first and hold the
 * daemon back. When another process holds the lock, nothing is done here: the daemon
 * reports it, naming its pid.
 */
static void lock_state_for_daemon(const char *state_dir) {
    char path[PATH_MAX];
    if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
        return;
    if (snprintf(path, sizeof path, "%s/nana.lock", state_dir) >= (int)sizeof path)
        return;
    int fd = open(path, O_RDWR | O_CREAT, 0600); /* no O_CLOEXEC: it must survive exec */
    if (fd < 0)
        return;
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &lock) < 0) {
        close(fd);
        return;
    }
    /* as the JVM writes it: a daemon's lock, which another daemon does not wait for */
    char text[32];
    int n = snprintf(text, sizeof text, "%d daemon\n", (int)getpid());
    if (n > 0 && ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)n, 0) < 0) {
        /* the JVM writes it again */
    }
    /* fd stays open, and the lock held, in the JVM this process becomes; the JVM's children
     * do not get it (libnana's spawn closes every descriptor it is not given) */
}

/* The command word: the first argument that is neither an option nor a global option's value. */
static const char *command_word(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--address") == 0 || strcmp(argv[i], "--state-dir") == 0) {
            i++;
            continue;
        }
        if (argv[i][0] != '-')
            return argv[i];
    }
    return "";
}

/*
 * The JVM CLI's launcher: $NANA_JVM_LAUNCHER, else found from this program's own path —
 * <home>/bin/nana-jvm for the build's <home>/build/native/bin/nana-client (which bin/nana
 * links to), else nana-jvm beside this program.
 */
static const char *jvm_launcher(char *buf, size_t len) {
    const char *env = getenv("NANA_JVM_LAUNCHER");
    if (env != NULL && *env)
        return env;
    char self[PATH_MAX];
    ssize_t got = readlink("/proc/self/exe", self, sizeof self - 1);
    if (got <= 0)
        return NULL;
    size_t n = (size_t)got;
    self[n] = '\0';
    static const char built[] = "/build/native/bin/nana-client";
    size_t blen = sizeof built - 1;
    if (n > blen && strcmp(self + n - blen, built) == 0) {
        self[n - blen] = '\0';
        snprintf(buf, len, "%s/bin/nana-jvm", self);
    } else {
        char *slash = strrchr(self, '/');
        *slash = '\0';
        snprintf(buf, len, "%s/nana-jvm", self);
    }
    return buf;
}

static __attribute__((noreturn)) void run_jvm(char **argv) {
    char buf[PATH_MAX + 32];
    const char *jvm = jvm_launcher(buf, sizeof buf);
    if (jvm == NULL) {
        fprintf(stderr, "nana: no daemon listens, and the JVM CLI cannot be found: set "
                        "NANA_JVM_LAUNCHER to bin/nana-jvm\n");
        exit(125);
    }
    argv[0] = (char *)jvm;
    execv(jvm, argv);
    fprintf(stderr, "nana: cannot run the JVM CLI \"%s\": %s\n", jvm, strerror(errno));
    exit(125);
}

static int connect_daemon(const char *address, char *path, size_t len) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int n = snprintf(path, len, "%s.cli", address);
    if (n < 0 || (size_t)n >= sizeof addr.sun_path)
        return -ENAMETOOLONG;
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static void send_request(int fd, int argc, char **argv) {
    struct buffer body = {0};
    put(&body, FORWARD_MAGIC, 4);
    put_u32(&body, FORWARD_VERSION);
    put_u32(&body, (uint32_t)(argc - 1));
    for (int i = 1; i < argc; i++)
        put_string(&body, argv[i]);
    uint32_t envc = 0;
    for (char **e = environ; *e; e++)
        envc++;
    put_u32(&body, envc);
    for (char **e = environ; *e; e++)
        put_string(&body, *e);
    char cwd[PATH_MAX];
    put_string(&body, getcwd(cwd, sizeof cwd) ? cwd : "/");

    if (body.len > FORWARD_MAX_REQUEST) {
        fprintf(stderr,
                "nana: the command line and environment are %zu bytes; the daemon takes at most "
                "%d: pass less"
                " (e.g. fewer or smaller environment variables)\n",
                body.len, FORWARD_MAX_REQUEST);
        exit(125);
    }
    struct buffer msg = {0};
    put_u32(&msg, (uint32_t)body.len);
    put(&msg, body.data, body.len);

    int fds[3] = {0, 1, 2};
    union {
        char buf[CMSG_SPACE(sizeof fds)];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    size_t sent = 0;
    while (sent < msg.len) {
        struct iovec iov = {.iov_base = msg.data + sent, .iov_len = msg.len - sent};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        if (sent == 0) { /* the descriptors ride with the first bytes */
            m.msg_control = ctl.buf;
            m.msg_controllen = sizeof ctl.buf;
            struct cmsghdr *c = CMSG_FIRSTHDR(&m);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof fds);
            memcpy(CMSG_DATA(c), fds, sizeof fds);
        }
        ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "nana: send the command to the daemon: %s\n", strerror(errno));
            exit(125);
        }
        sent += (size_t)n;
    }
    free(body.data);
    free(msg.data);
}

static struct termios saved_termios;
static int raw_on;

/* Raw mode on the caller's terminal, for run -it; always undone before the client exits. */
static void set_raw(int on) {
    if (on && !raw_on && tcgetattr(0, &saved_termios) == 0) {
        struct termios raw = saved_termios;
        cfmakeraw(&raw);
        if (tcsetattr(0, TCSANOW, &raw) == 0)
            raw_on = 1;
    } else if (!on && raw_on) {
        tcsetattr(0, TCSANOW, &saved_termios);
        raw_on = 0;
    }
}

static void restore_terminal(void) {
    set_raw(0);
}

static int send_frame(int fd, char type, uint32_t value) {
    unsigned char f[5] = {(unsigned char)type};
    uint32_t be = htonl(value);
    memcpy(f + 1, &be, 4);
    return send(fd, f, 5, MSG_NOSIGNAL) == 5 ? 0 : -1;
}

/* The terminal's size (of stdin, else stdout), 0 when neither is a terminal. */
static uint32_t window_size(void) {
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) != 0 && ioctl(1, TIOCGWINSZ, &ws) != 0)
        return 0;
    return ((uint32_t)ws.ws_row << 16) | ws.ws_col;
}

/* How long the daemon has to take a command (frame 'A'); past it the daemon is not responding. */
#define ANSWER_DEADLINE_MS 10000

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int peer_pid(int fd) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? (int)cred.pid : 0;
}

int main(int argc, char **argv) {
    const char *word = command_word(argc, argv);
    const char *state_dir = global_option(argc, argv, "--state-dir", "NANA_STATE_DIR", "/run/nana");
    if (strcmp(word, "daemon") == 0)
        lock_state_for_daemon(state_dir);
    if (strcmp(word, "daemon") == 0 || strcmp(word, "bench") == 0)
        run_jvm(argv); /* JVMs of their own, never commands a daemon runs for a client */
    const char *address =
        global_option(argc, argv, "--address", "NANA_ADDRESS", "/run/nana/nana.sock");
    char path[PATH_MAX];
    int fd = connect_daemon(address, path, sizeof path);
    /*
     * Nobody answers, but someone holds the state: most likely a daemon restarting, which
     * restores every container before it listens. Waiting for it is much cheaper than a JVM
     * CLI (which would wait for it too). Once the lock is free, the JVM CLI takes over.
     */
    for (int waited_ms = 0;
         fd < 0 && fd != -EACCES && fd != -EPERM && waited_ms < 30000 && state_locked(state_dir);
         waited_ms += 10) {
        usleep(10000);
        fd = connect_daemon(address, path, sizeof path);
    }
    if (fd == -EACCES || fd == -EPERM) {
        fprintf(stderr,
                "nana: permission denied on the nana daemon's socket \"%s\": run as root, or as a "
                "member of the daemon's --group\n",
                path);
        return 125;
    }
    if (fd < 0 && given_option(argc, argv, "--address") != NULL) {
        /* asked for a daemon by name: working in-process instead would show another nana's state */
        fprintf(stderr,
                "nana: no nana daemon answers on --address \"%s\": start one there (nana daemon "
                "--socket %s), or leave --address out to work in-process on --state-dir\n",
                address, address);
        return 125;
    }
    if (fd < 0)
        run_jvm(argv); /* no daemon: the JVM CLI works in-process */

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGWINCH);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    atexit(restore_terminal);

    send_request(fd, argc, argv);
    send_frame(fd, FORWARD_WINSIZE, window_size());

    unsigned char frame[FORWARD_FRAME];
    size_t got = 0;
    int accepted = 0, interrupts = 0;
    long answer_by = now_ms() + ANSWER_DEADLINE_MS;
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    for (;;) {
        int timeout = accepted ? -1 : (int)(answer_by - now_ms());
        if (!accepted && timeout <= 0) {
            fprintf(
                stderr,
                "nana: the daemon at %s is not responding (pid %d): it took no command within %d s;"
                " is it stopped or wedged? (see its log)\n",
                path, peer_pid(fd), ANSWER_DEADLINE_MS / 1000);
            return 125;
        }
        int r = poll(p, 2, timeout);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        if (p[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == sizeof si) {
                if ((si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) && ++interrupts >= 2) {
                    fprintf(stderr, "nana: interrupted again; leaving the daemon's answer behind "
                                    "(the command may"
                                    " still be under way there)\n");
                    return 125;
                }
                int bad = si.ssi_signo == SIGWINCH ? send_frame(fd, FORWARD_WINSIZE, window_size())
                                                   : send_frame(fd, FORWARD_SIGNAL, si.ssi_signo);
                if (bad)
                    break;
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP)) {
            ssize_t n = read(fd, frame + got, sizeof frame - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            if (got < sizeof frame)
                continue;
            got = 0;
            uint32_t be;
            memcpy(&be, frame + 1, 4);
            uint32_t value = ntohl(be);
            switch (frame[0]) {
            case FORWARD_ACCEPTED: accepted = 1; break;
            case FORWARD_EXIT: exit((int)value); /* atexit restores the terminal */
            case FORWARD_RAW: set_raw(value != 0); break;
            case FORWARD_BUSY:
                fprintf(stderr,
                        "nana: the daemon at %s serves %u clients at once, its most; try again\n",
                        path, value);
                return 125;
            default: break; /* a newer daemon's frame */
            }
        }
    }
    fprintf(stderr,
            "nana: the daemon closed the connection before the command finished (see its log)\n");
    return 125;
}
