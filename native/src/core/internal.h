/* Internal helpers of the C core: shared with nana-shim and the unit tests,
 * never exported from libnana.so (see libnana.map). */
#ifndef NANA_CORE_INTERNAL_H
#define NANA_CORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Returns -errno from the current errno (never 0). */
#define NANA_NEG_ERRNO() (errno ? -errno : -EIO)

/* Parses field 22 (starttime) of a /proc/<pid>/stat line. The comm field may
 * hold spaces and parentheses, so parsing starts after the last ')'.
 * Returns 0, or -EINVAL when the line is malformed. */
int nana__parse_stat_starttime(const char *stat, uint64_t *out);

/* Reads a whole small file into buf (NUL-terminated); returns its length. */
int nana__read_small_file(const char *path, char *buf, size_t len);

/* Capacity to ask of F_SETPIPE_SZ: want, capped at the pipe-max-size text. */
int32_t nana__pipe_size_cap(int32_t want, const char *pipe_max_size_text);

#endif
