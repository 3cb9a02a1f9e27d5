/* nana-shim's modules, apart from the runtime: parsing, logs, files. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/shim/control.h"
#include "../src/shim/crilog.h"
#include "../src/shim/error.h"
#include "../src/shim/files.h"
#include "../src/shim/log.h"
#include "../src/shim/oom.h"
#include "../src/shim/options.h"
#include "../src/shim/startfifo.h"
#include "../src/shim/streams.h"
#include "check.h"

static void finds_the_memory_cgroup_on_v1_and_v2(void) {
    const char *v1 = "12:pids:/nana/web\n"
                     "5:cpu,cpuacct:/nana/web\n"
                     "4:memory:/nana/web\n"
                     "1:name=systemd:/system.slice\n"
                     "0::/system.slice/x.scope\n";
    char out[256];
    CHECK_EQ_INT(oom_cgroup_path(v1, 0, out, sizeof out), 0);
    CHECK_EQ_STR(out, "/nana/web");
    CHECK_EQ_INT(oom_cgroup_path(v1, 1, out, sizeof out), 0);
    CHECK_EQ_STR(out, "/system.slice/x.scope");
    CHECK_EQ_INT(oom_cgroup_path("0::/a/b\n", 0, out, sizeof out), -1);
    CHECK_EQ_INT(oom_cgroup_path("3:cpu,memory:/joint\n", 0, out, sizeof out), 0);
    CHECK_EQ_STR(out, "/joint");
    CHECK_EQ_INT(oom_cgroup_path("3:memoryx:/no\n", 0, out, sizeof out), -1);
    CHECK_EQ_INT(oom_cgroup_path("4:memory:/too/long/for/the/buffer\n", 0, out, 8), -1);
}

static void reads_oom_kill_counters(void) {
    CHECK_EQ_INT(oom_parse_counter("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "oom_kill"), 3);
    CHECK_EQ_INT(oom_parse_counter("low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n", "oom_kill"), 2);
    CHECK_EQ_INT(oom_parse_counter("oom_kill_disable 1\n", "oom_kill"), 0);
    CHECK_EQ_INT(oom_parse_counter("", "oom_kill"), 0);
}

static void parses_control_commands(void) {
    CHECK_EQ_INT(control_parse("start").kind, CONTROL_START);
    CHECK_EQ_INT(control_parse("close-stdin").kind, CONTROL_CLOSE_STDIN);
    struct control_cmd r = control_parse("resize 40 100");
    CHECK_EQ_INT(r.kind, CONTROL_RESIZE);
    CHECK_EQ_INT(r.rows, 40);
    CHECK_EQ_INT(r.cols, 100);
    CHECK_EQ_INT(control_parse("resize 0 100").kind, CONTROL_INVALID);
    CHECK_EQ_INT(control_parse("resize 40 100x").kind, CONTROL_INVALID);
    CHECK_EQ_INT(control_parse("resize 70000 1").kind, CONTROL_INVALID);
    CHECK_EQ_INT(control_parse("starts").kind, CONTROL_INVALID);
    struct control_cmd a = control_parse("attach /tmp/io/out - /tmp/io/in");
    CHECK_EQ_INT(a.kind, CONTROL_ATTACH);
    CHECK_EQ_STR(a.paths[0], "/tmp/io/out");
    CHECK_EQ_STR(a.paths[1], "");
    CHECK_EQ_STR(a.paths[2], "/tmp/io/in");
    CHECK_EQ_INT(control_parse("attach /a /b").kind, CONTROL_INVALID);
    CHECK_EQ_INT(control_parse("attach /a /b /c /d").kind, CONTROL_INVALID);
    CHECK_EQ_INT(control_parse("attach rel - -").kind, CONTROL_INVALID);
    CHECK_EQ_INT(control_parse("attach - - -").kind, CONTROL_ATTACH);
    CHECK_EQ_INT(control_parse("").kind, CONTROL_INVALID);
}

static void splits_control_lines_across_reads(void) {
    struct line_buffer lb = {0};
    char line[64];
    line_buffer_feed(&lb, "sta", 3);
    CHECK_EQ_INT(line_buffer_take(&lb, line, sizeof line), 0);
    line_buffer_feed(&lb, "rt\nresize 1 2\nclo", 17);
    CHECK_EQ_INT(line_buffer_take(&lb, line, sizeof line), 1);
    CHECK_EQ_STR(line, "start");
    CHECK_EQ_INT(line_buffer_take(&lb, line, sizeof line), 1);
    CHECK_EQ_STR(line, "resize 1 2");
    CHECK_EQ_INT(line_buffer_take(&lb, line, sizeof line), 0);
    char junk[6000];
    memset(junk, 'x', sizeof junk);
    line_buffer_feed(&lb, junk, sizeof junk); /* overlong: dropped, not overflowed */
    line_buffer_feed(&lb, "\nstart\n", 7);
    int got_start = 0;
    while (line_buffer_take(&lb, line, sizeof line))
        got_start |= strcmp(line, "start") == 0;
    CHECK(got_start);
}

static void errors_read_like_a_stack(void) {
    nana_err err;
    CHECK_EQ_INT(nerr_set(&err, 2, "open exit fifo \"%s\"", "/run/nana/web/init/exit"), -1);
    CHECK_EQ_INT(nerr_wrap(&err, "start \"%s\"", "web"), -1);
    CHECK_EQ_STR(
        err.msg,
        "start \"web\": open exit fifo \"/run/nana/web/init/exit\": No such file or directory");
    CHECK_EQ_INT(err.code, 2);
}

static void escapes_json_and_finds_the_runtime_error(void) {
    char out[128];
    CHECK_EQ_STR(json_escape("a\"b\\c\nd", out, sizeof out), "a\\\"b\\\\c\\u000ad");
    char path[256];
    snprintf(path, sizeof path, "%s/log.json", check_tmpdir());
    FILE *f = fopen(path, "w");
    fputs("{\"level\":\"info\",\"msg\":\"hello\",\"time\":\"t\"}\n", f);
    fputs("{\"level\":\"error\",\"msg\":\"container_linux.go:380: starting container process "
          "caused: exec: \\\"nope\\\": executable file not found\",\"time\":\"t\"}\n",
          f);
    fclose(f);
    char why[256];
    CHECK_EQ_INT(log_last_error(path, 0, why, sizeof why), 1);
    CHECK(strstr(why, "exec: \"nope\": executable file not found") != NULL);
    CHECK_EQ_INT(log_last_error(path, 1000, why, sizeof why), 0);
}

static void writes_files_atomically(void) {
    char path[256], tmp[300], buf[64] = {0};
    snprintf(path, sizeof path, "%s/exitStatus", check_tmpdir());
    nana_err err;
    CHECK_EQ_INT(file_write_atomic(path, "137\n", 4, &err), 0);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CHECK(access(tmp, F_OK) != 0);
    FILE *f = fopen(path, "r");
    CHECK(fgets(buf, sizeof buf, f) != NULL);
    fclose(f);
    CHECK_EQ_STR(buf, "137\n");
    int pid = 0;
    CHECK_EQ_INT(file_read_pid(path, &pid, &err), 0);
    CHECK_EQ_INT(pid, 137);
    CHECK_EQ_INT(file_write_atomic("/nonexistent/dir/x", "1", 1, &err), -1);
    CHECK(strstr(err.msg, "/nonexistent/dir/x.tmp") != NULL);
}

static void rotates_the_output_log_at_its_cap(void) {
    char path[256], old[300], offsets[300];
    snprintf(path, sizeof path, "%s/log", check_tmpdir());
    snprintf(old, sizeof old, "%s.1", path);
    snprintf(offsets, sizeof offsets, "%s.offsets", path);
    struct output_log l;
    nana_err err;
    CHECK_EQ_INT(output_log_open(&l, path, offsets, 1000, &err), 0);
    char chunk[400];
    memset(chunk, 'a', sizeof chunk);
    for (int i = 0; i < 6; i++)
        output_log_write(&l, chunk, sizeof chunk);
    struct stat a, b;
    CHECK_EQ_INT(stat(path, &a), 0);
    CHECK_EQ_INT(stat(old, &b), 0);
    CHECK(a.st_size <= 1000);
    CHECK(b.st_size <= 1000);
    CHECK_EQ_INT(a.st_size + b.st_size, 1600); /* 2400 written, one rotation lost 800 */
    char fresh[300];
    snprintf(fresh, sizeof fresh, "%s.new", path);
    CHECK(access(fresh, F_OK) != 0); /* the file exchanged in (no moment without a log) is gone */
    /* 2400 bytes in files of 800: log starts at 1600, log.1 at 800, each by its inode */
    char text[128], want[128];
    FILE *f = fopen(offsets, "r");
    CHECK(f != NULL);
    CHECK(fgets(text, sizeof text, f) != NULL);
    fclose(f);
    snprintf(want, sizeof want, "%llu 1600 %llu 800\n", (unsigned long long)a.st_ino,
             (unsigned long long)b.st_ino);
    CHECK_EQ_STR(text, want);
    close(l.fd);
}

static void writes_the_cri_log_format(void) {
    struct timespec t = {.tv_sec = 1795977000, .tv_nsec = 5};
    char out[128];
    size_t n = cri_log_format(out, sizeof out, &t, 1, 0, "boom", 4);
    out[n] = '\0';
    CHECK_EQ_STR(out, "2026-11-29T18:30:00.000000005Z stderr F boom\n");

    char path[] = "/tmp/nana-crilog-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    struct cri_log l;
    nana_err err;
    CHECK_EQ_INT(cri_log_open(&l, path, &err), 0);
    cri_log_write(&l, 0, "one\ntw", 6); /* a line and a half */
    cri_log_write(&l, 1, "err", 3);     /* another stream's part waits on its own */
    cri_log_write(&l, 0, "o\n", 2);     /* ... the half ends */
    static char big[CRI_LOG_LINE_MAX + 10];
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = '\n';
    cri_log_write(&l, 0, big, sizeof big); /* too long: P, then F with the rest */
    cri_log_flush(&l, 1);                  /* stderr ended without a newline */
    close(l.fd);

    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    static char line[CRI_LOG_LINE_MAX + 128];
    const char *want[] = {" stdout F one\n", " stdout F two\n", " stdout P ",
                          " stdout F xxxxxxxxx\n", " stderr F err\n"};
    for (int i = 0; i < 5; i++) {
        CHECK(fgets(line, sizeof line, f) != NULL);
        char *rest = strchr(line, ' '); /* after the time */
        CHECK(rest != NULL);
        if (i == 2) {
            CHECK(strncmp(rest, want[i], strlen(want[i])) == 0);
            CHECK_EQ_INT((int)strlen(rest + strlen(want[i])), CRI_LOG_LINE_MAX + 1);
        } else {
            CHECK_EQ_STR(rest, want[i]);
        }
    }
    CHECK(fgets(line, sizeof line, f) == NULL);
    fclose(f);
    unlink(path);

    CHECK_EQ_INT(control_parse("reopen-log").kind, CONTROL_REOPEN_LOG);
}

static void client_fifo_drops_instead_of_blocking(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/stdout", check_tmpdir());
    mkfifo(path, 0600);
    nana_err err;
    int fd = client_fifo_open(path, &err); /* no reader: must not hang */
    CHECK(fd >= 0);
    static char big[4 << 20];
    size_t dropped = client_fifo_write(fd, big, sizeof big);
    CHECK(dropped > 0);
    CHECK(dropped < sizeof big);
    close(fd);
}

static void client_out_holds_back_for_a_reader_and_lets_go_when_it_goes(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/attached", check_tmpdir());
    unlink(path);
    CHECK_EQ_INT(mkfifo(path, 0600), 0);
    nana_err err;
    struct client_out lossy = {.fd = -1};
    CHECK(client_out_open(&lossy, path, &err) >= 0); /* nobody reads yet: never blocks, drops */
    CHECK_EQ_INT(lossy.lossy, 1);
    client_out_close(&lossy);

    int reader = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    CHECK(reader >= 0);
    struct client_out c = {.fd = -1};
    CHECK(client_out_open(&c, path, &err) >= 0); /* a reader is there: attached */
    CHECK_EQ_INT(c.lossy, 0);
    static char big[4 << 20];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7);
    unsigned long long dropped = 0;
    /* more than the FIFO holds: the rest waits, up to the bound given, and the excess is counted */
    CHECK_EQ_INT(client_out_send(&c, big, sizeof big, 1 << 20, &dropped), CLIENT_BEHIND);
    CHECK_EQ_INT((int)c.len, 1 << 20);
    unsigned long long in_fifo = sizeof big - c.len - dropped;
    CHECK(in_fifo > 0);
    /* the reader takes it all, in order; what waited follows once it has room */
    static char got[4 << 20];
    size_t have = 0;
    enum client_state st = CLIENT_BEHIND;
    while (have < in_fifo + (1 << 20)) {
        ssize_t n = read(reader, got + have, sizeof got - have);
        if (n > 0)
            have += (size_t)n;
        if (st == CLIENT_BEHIND)
            st = client_out_flush(&c);
    }
    CHECK_EQ_INT(st, CLIENT_DONE);
    CHECK(memcmp(got, big, (size_t)in_fifo) == 0);
    CHECK(memcmp(got + in_fifo, big + in_fifo, 1 << 20) == 0);
    /* the reader goes: the next write says so (EPIPE: the shim ignores SIGPIPE, as here) */
    signal(SIGPIPE, SIG_IGN);
    close(reader);
    CHECK_EQ_INT(client_out_send(&c, big, 10, 1 << 20, &dropped), CLIENT_GONE);
    client_out_close(&c);
    CHECK_EQ_INT(c.fd, -1);
}

static void parses_options_and_names_what_is_wrong(void) {
    struct shim_options o;
    nana_err err;
    char *ok[] = {"nana-shim",
                  "--id",
                  "web",
                  "--bundle",
                  "/b",
                  "--runtime",
                  "/usr/sbin/runc",
                  "--runtime-arg",
                  "--root",
                  "--runtime-arg",
                  "/run/r",
                  "--start-now",
                  NULL};
    CHECK_EQ_INT(options_parse(&o, 12, ok, &err), 0);
    CHECK_EQ_STR(o.id, "web");
    CHECK_EQ_INT(o.nruntime_args, 2);
    CHECK_EQ_STR(o.runtime_args[1], "/run/r");
    CHECK_EQ_INT(o.start_now, 1);
    CHECK_EQ_INT(o.log_max_size, 16 << 20);
    char *both[] = {"nana-shim", "--id",   "x",         "--bundle", "/b",
                    "--exec",    "p.json", "--runtime", "/r",       NULL};
    CHECK_EQ_INT(options_parse(&o, 9, both, &err), -1);
    CHECK(strstr(err.msg, "exactly one of --bundle") != NULL);
    char *bad_size[] = {"nana-shim", "--id",           "x",  "--bundle", "/b", "--runtime",
                        "/r",        "--log-max-size", "-5", NULL};
    CHECK_EQ_INT(options_parse(&o, 9, bad_size, &err), -1);
    CHECK(strstr(err.msg, "--log-max-size \"-5\"") != NULL);
    char *fifo[] = {"nana-shim",
                    "--id",
                    "x",
                    "--bundle",
                    "/b",
                    "--runtime",
                    "/r",
                    "--start-fifo-read",
                    "/run/runc/x/exec.fifo",
                    NULL};
    CHECK_EQ_INT(options_parse(&o, 9, fifo, &err), 0);
    CHECK_EQ_INT(o.start_fifo, START_FIFO_READ);
    CHECK_EQ_STR(o.start_fifo_path, "/run/runc/x/exec.fifo");
    char *fifo_exec[] = {"nana-shim",
                         "--id",
                         "x",
                         "--exec",
                         "/p.json",
                         "--runtime",
                         "/r",
                         "--start-fifo-write",
                         "/run/crun/x/exec.fifo",
                         NULL};
    CHECK_EQ_INT(options_parse(&o, 9, fifo_exec, &err), -1);
    CHECK(strstr(err.msg, "need --bundle") != NULL);
    char *unknown[] = {"nana-shim", "--frobnicate", NULL};
    CHECK_EQ_INT(options_parse(&o, 2, unknown, &err), -1);
    CHECK(strstr(err.msg, "--frobnicate") != NULL);
}

static void fifo_path(char *out, size_t len, const char *name) {
    snprintf(out, len, "/tmp/nana-startfifo-%d-%s", (int)getpid(), name);
    unlink(out);
    if (mkfifo(out, 0600) < 0)
        abort();
}

/* runc's init: blocks opening the FIFO for writing, writes a byte, then execs (its end closes). */
static void releases_a_runc_style_init_by_reading(void) {
    char path[128];
    fifo_path(path, sizeof path, "runc");
    pid_t init = fork();
    if (init == 0) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1)
            _exit(1);
        usleep(100 * 1000); /* the start must wait for the exec, not only for the byte */
        execl("/bin/sleep", "sleep", "10", (char *)NULL);
        _exit(2);
    }
    nana_err err = {0};
    CHECK_EQ_INT(start_fifo_release(START_FIFO_READ, path, init, &err), 0);
    CHECK_EQ_STR(err.msg, "");
    CHECK(access(path, F_OK) < 0 && errno == ENOENT); /* gone: the runtime now says "running" */
    char exe[64], target[64] = "";
    snprintf(exe, sizeof exe, "/proc/%d/exe", (int)init);
    ssize_t n = readlink(exe, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    CHECK(strstr(target, "sleep") != NULL); /* released only once the program was exec'd */
    kill(init, SIGKILL);
    waitpid(init, NULL, 0);
}

/* crun's init: holds the FIFO open for reading and blocks until a byte comes. */
static void releases_a_crun_style_init_by_writing(void) {
    char path[128];
    fifo_path(path, sizeof path, "crun");
    pid_t init = fork();
    if (init == 0) {
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        struct pollfd p = {.fd = fd, .events = POLLIN}; /* no writer yet: not readable, no HUP */
        char b = 1;
        _exit(poll(&p, 1, -1) == 1 && read(fd, &b, 1) == 1 && b == 0 ? 7 : 8);
    }
    usleep(50 * 1000); /* let it open its end, as crun's create has before it returns */
    nana_err err = {0};
    CHECK_EQ_INT(start_fifo_release(START_FIFO_WRITE, path, init, &err), 0);
    CHECK_EQ_STR(err.msg, "");
    int status = 0;
    waitpid(init, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    CHECK(access(path, F_OK) < 0 && errno == ENOENT);
}

static void a_dead_init_or_a_missing_fifo_are_told_apart(void) {
    nana_err err = {0};
    CHECK_EQ_INT(start_fifo_release(START_FIFO_READ, "/tmp/nana-no-such-fifo", 1, &err),
                 START_FIFO_ABSENT);
    CHECK_EQ_INT(start_fifo_release(START_FIFO_WRITE, "/tmp/nana-no-such-fifo", 1, &err),
                 START_FIFO_ABSENT);
    char path[128];
    for (int mode = START_FIFO_READ; mode <= START_FIFO_WRITE; mode++) {
        fifo_path(path, sizeof path, "dead");
        pid_t init = fork();
        if (init == 0)
            _exit(0); /* dies before it ever opens the FIFO */
        usleep(20 * 1000);
        CHECK_EQ_INT(start_fifo_release((enum start_fifo_mode)mode, path, init, &err), -1);
        CHECK(strstr(err.msg, "died before it started") != NULL);
        waitpid(init, NULL, 0);
        unlink(path);
    }
}

int main(void) {
    RUN(finds_the_memory_cgroup_on_v1_and_v2);
    RUN(reads_oom_kill_counters);
    RUN(parses_control_commands);
    RUN(splits_control_lines_across_reads);
    RUN(errors_read_like_a_stack);
    RUN(escapes_json_and_finds_the_runtime_error);
    RUN(writes_files_atomically);
    RUN(rotates_the_output_log_at_its_cap);
    RUN(writes_the_cri_log_format);
    RUN(client_fifo_drops_instead_of_blocking);
    RUN(client_out_holds_back_for_a_reader_and_lets_go_when_it_goes);
    RUN(parses_options_and_names_what_is_wrong);
    RUN(releases_a_runc_style_init_by_reading);
    RUN(releases_a_crun_style_init_by_writing);
    RUN(a_dead_init_or_a_missing_fifo_are_told_apart);
    return CHECK_DONE();
}
