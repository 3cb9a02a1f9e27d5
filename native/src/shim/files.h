/* Small state files in the process folder, written atomically. */
#ifndef NANA_SHIM_FILES_H
#define NANA_SHIM_FILES_H

#include <stddef.h>

#include "error.h"

/* Writes data to name.tmp, fsyncs, renames over name: readers see the old
 * content or the new, never half of it. */
int file_write_atomic(const char *name, const char *data, size_t len, nana_err *err);

/* Appends one line (O_APPEND) and fsyncs it. */
int file_append_line(const char *name, const char *line, nana_err *err);

/* Reads a pid written by the runtime's --pid-file. */
int file_read_pid(const char *name, int *pid, nana_err *err);

#endif
