/* What the shim and its supervisor say to each other, named once on this side; the Java
 * side is dev.nana.supervisor.shim.ShimProtocol, and ShimProtocolDriftTest fails when the two differ.
 *
 * The sync pipe (the shim's stdout while it starts), one line each:
 *   "created <pid>"    the runtime's create ran; <pid> is the container's process
 *   "started"          the program runs (after start)
 *   "error <message>"  the shim failed and exits 1
 * The control FIFO, one command a line (control.h parses them):
 *   "start", "close-stdin", "resize ROWS COLS", "attach OUT ERR IN" ("-" for none)
 * The process folder (the shim's cwd): the names both sides read or write. */
#ifndef NANA_SHIM_PROTOCOL_H
#define NANA_SHIM_PROTOCOL_H

#define SHIM_SYNC_CREATED "created"
#define SHIM_SYNC_STARTED "started"
#define SHIM_SYNC_ERROR "error"

#define SHIM_CONTROL_START "start"
#define SHIM_CONTROL_CLOSE_STDIN "close-stdin"
#define SHIM_CONTROL_RESIZE "resize"
#define SHIM_CONTROL_ATTACH "attach"
#define SHIM_CONTROL_REOPEN_LOG "reopen-log"
#define SHIM_CONTROL_NO_PATH "-"

#define SHIM_EXIT_FIFO "exit"
#define SHIM_CONTROL_FIFO "control"
#define SHIM_PID_FILE "pid"
#define SHIM_STARTTIME_FILE "starttime"
#define SHIM_SHIM_FILE "shim"
#define SHIM_STARTED_FILE "started"
#define SHIM_EXIT_STATUS_FILE "exitStatus"
#define SHIM_OOM_FILE "oom"
#define SHIM_OUTPUT_LOG "log"
/* "<log inode> <log start> <log.1 inode> <log.1 start>": where each starts in the whole output */
#define SHIM_OUTPUT_LOG_OFFSETS "log.offsets"
#define SHIM_RUNTIME_LOG "log.json"

#endif
