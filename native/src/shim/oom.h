/* The cgroup OOM watch, registered between `create` and `start` so that no
 * OOM kill of the user's program goes unseen, even at its first instruction.
 *   cgroup v1: an eventfd bound to memory.oom_control via cgroup.event_control;
 *   cgroup v2: inotify on memory.events.
 * Either way the truth is the kernel's own counter (oom_kill), read again at
 * every wake-up and once more when the container exits. */
#ifndef NANA_SHIM_OOM_H
#define NANA_SHIM_OOM_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct oom_watch {
    int fd;                  /* eventfd (v1) or inotify (v2); -1 when none */
    int v2;                  /* 1 on the unified hierarchy */
    char counter_path[4096]; /* memory.oom_control (v1) or memory.events (v2) */
    uint64_t kills;          /* oom_kill as last read */
};

/* Finds pid's memory cgroup and arms the watch. */
int oom_watch_open(struct oom_watch *w, pid_t pid, nana_err *err);

/* Drains the wake-up and returns how many OOM kills are new since the last call. */
uint64_t oom_watch_check(struct oom_watch *w);

void oom_watch_close(struct oom_watch *w);

/* Pure helpers, unit-tested: */

/* From /proc/<pid>/cgroup text, the path of the v1 "memory" hierarchy (v2 = 0)
 * or of the unified one ("0::", v2 = 1). Returns 0, or -1 when absent. */
int oom_cgroup_path(const char *proc_cgroup, int v2, char *out, size_t len);

/* The value of "key N" in memory.oom_control / memory.events text; 0 when absent. */
uint64_t oom_parse_counter(const char *text, const char *key);

#endif
