/* Calls into the OCI runtime (runc, crun or a path), one process per call,
 * always waited for: `<runtime> [runtime args] --log L --log-format json SUB… ID`. */
#ifndef NANA_SHIM_RUNTIME_H
#define NANA_SHIM_RUNTIME_H

#include "error.h"

struct runtime {
    const char *path;        /* the runtime binary */
    const char *const *args; /* per-container global args, before the subcommand */
    int nargs;
    const char *log_path; /* absolute path of log.json */
    int unshare_cgroup2;  /* crun on hybrid cgroups: create in a private mount
                                 namespace without /sys/fs/cgroup/unified */
};

/* Runs the runtime with sub (NULL-terminated) and waits for it. stdio[i] < 0
 * means /dev/null. On failure, err holds the runtime's own last error line. */
int runtime_call(const struct runtime *rt, const char *const *sub, const int stdio[3],
                 int private_mounts, nana_err *err);

#endif
