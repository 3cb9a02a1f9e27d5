#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_ID = 1,
    OPT_BUNDLE,
    OPT_EXEC,
    OPT_RUNTIME,
    OPT_RUNTIME_ARG,
    OPT_STDIN,
    OPT_STDOUT,
    OPT_STDERR,
    OPT_TERMINAL,
    OPT_START_NOW,
    OPT_UNSHARE_CGROUP2,
    OPT_LOG_MAX_SIZE,
    OPT_CRI_LOG,
    OPT_SYNC_FD,
    OPT_RESTORE,
    OPT_START_FIFO_READ,
    OPT_START_FIFO_WRITE,
};

static const struct option long_options[] = {
    {"id", required_argument, NULL, OPT_ID},
    {"bundle", required_argument, NULL, OPT_BUNDLE},
    {"exec", required_argument, NULL, OPT_EXEC},
    {"runtime", required_argument, NULL, OPT_RUNTIME},
    {"runtime-arg", required_argument, NULL, OPT_RUNTIME_ARG},
    {"stdin", required_argument, NULL, OPT_STDIN},
    {"stdout", required_argument, NULL, OPT_STDOUT},
    {"stderr", required_argument, NULL, OPT_STDERR},
    {"terminal", no_argument, NULL, OPT_TERMINAL},
    {"start-now", no_argument, NULL, OPT_START_NOW},
    {"unshare-cgroup2", no_argument, NULL, OPT_UNSHARE_CGROUP2},
    {"log-max-size", required_argument, NULL, OPT_LOG_MAX_SIZE},
    {"cri-log", required_argument, NULL, OPT_CRI_LOG},
    {"sync-fd", required_argument, NULL, OPT_SYNC_FD},
    {"restore", required_argument, NULL, OPT_RESTORE},
    {"start-fifo-read", required_argument, NULL, OPT_START_FIFO_READ},
    {"start-fifo-write", required_argument, NULL, OPT_START_FIFO_WRITE},
    {NULL, 0, NULL, 0},
};

int options_parse(struct shim_options *o, int argc, char **argv, nana_err *err) {
    memset(o, 0, sizeof *o);
    o->log_max_size = 16 << 20;
    o->sync_fd = -1;
    char *end;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_ID: o->id = optarg; break;
        case OPT_BUNDLE: o->bundle = optarg; break;
        case OPT_EXEC: o->exec_process = optarg; break;
        case OPT_RESTORE: o->restore_image = optarg; break;
        case OPT_RUNTIME: o->runtime = optarg; break;
        case OPT_RUNTIME_ARG:
            if (o->nruntime_args == MAX_RUNTIME_ARGS)
                return nerr_set(err, 0, "--runtime-arg: more than %d given", MAX_RUNTIME_ARGS);
            o->runtime_args[o->nruntime_args++] = optarg;
            break;
        case OPT_STDIN: o->stdin_path = optarg; break;
        case OPT_STDOUT: o->stdout_path = optarg; break;
        case OPT_STDERR: o->stderr_path = optarg; break;
        case OPT_TERMINAL: o->terminal = 1; break;
        case OPT_START_NOW: o->start_now = 1; break;
        case OPT_UNSHARE_CGROUP2: o->unshare_cgroup2 = 1; break;
        case OPT_LOG_MAX_SIZE:
            errno = 0;
            o->log_max_size = (off_t)strtoll(optarg, &end, 10);
            if (errno || *end || o->log_max_size < 0)
                return nerr_set(err, 0, "--log-max-size \"%s\": want a byte count >= 0", optarg);
            break;
        case OPT_CRI_LOG:
            if (optarg[0] != '/')
                return nerr_set(err, 0, "--cri-log \"%s\": want an absolute path", optarg);
            o->cri_log = optarg;
            break;
        case OPT_SYNC_FD:
            o->sync_fd = (int)strtol(optarg, &end, 10);
            if (*end || o->sync_fd < 3 || fcntl(o->sync_fd, F_GETFD) < 0)
                return nerr_set(err, 0, "--sync-fd \"%s\": want an open descriptor >= 3", optarg);
            break;
        case OPT_START_FIFO_READ:
        case OPT_START_FIFO_WRITE:
            if (optarg[0] != '/')
                return nerr_set(err, 0, "--%s \"%s\": want an absolute path",
                                c == OPT_START_FIFO_READ ? "start-fifo-read" : "start-fifo-write",
                                optarg);
            o->start_fifo = c == OPT_START_FIFO_READ ? START_FIFO_READ : START_FIFO_WRITE;
            o->start_fifo_path = optarg;
            break;
        default: return nerr_set(err, 0, "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return nerr_set(err, 0, "unexpected argument \"%s\"", argv[optind]);
    if (o->id == NULL || o->runtime == NULL)
        return nerr_set(err, 0, "--id and --runtime are required");
    if ((o->bundle == NULL) == (o->exec_process == NULL))
        return nerr_set(err, 0, "give exactly one of --bundle (create) and --exec (exec)");
    if (o->start_fifo != START_FIFO_NONE && (o->bundle == NULL || o->restore_image != NULL))
        return nerr_set(err, 0,
                        "--start-fifo-read/--start-fifo-write start a created container: they need "
                        "--bundle, without --restore");
    if (o->restore_image != NULL && o->bundle == NULL)
        return nerr_set(err, 0, "--restore needs --bundle");
    return 0;
}
