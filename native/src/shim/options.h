/* nana-shim's command line. The supervisor starts it with its cwd in the
 * process folder (/run/nana/<id>/<process>/); every file it names is there. */
#ifndef NANA_SHIM_OPTIONS_H
#define NANA_SHIM_OPTIONS_H

#include <sys/types.h>

#include "error.h"
#include "startfifo.h"

#define MAX_RUNTIME_ARGS 32

struct shim_options {
    const char *id;            /* container id */
    const char *bundle;        /* create: the bundle directory */
    const char *exec_process;  /* exec: the process.json to run in a running container */
    const char *restore_image; /* restore: a CRIU image to restore the bundle's container from */
    const char *runtime;       /* absolute path of the runtime */
    const char *runtime_args[MAX_RUNTIME_ARGS];
    int nruntime_args;
    const char *stdin_path, *stdout_path, *stderr_path; /* client FIFOs, or NULL */
    int terminal;                    /* allocate a pty through --console-socket */
    int start_now;                   /* run: start right after create */
    int unshare_cgroup2;             /* crun on hybrid cgroups */
    const char *cri_log;             /* the Kubernetes CRI log file, or NULL */
    off_t log_max_size;              /* per output log file, 0 = unbounded */
    int sync_fd;                     /* pipe to the supervisor, -1 when none */
    enum start_fifo_mode start_fifo; /* start by the runtime's exec.fifo (startfifo.h) */
    const char *start_fifo_path;     /* ... found here; absent there: `<runtime> start` */
};

/* Parses argv; on error fills err with the option and what is expected. */
int options_parse(struct shim_options *o, int argc, char **argv, nana_err *err);

#endif
