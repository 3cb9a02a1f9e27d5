/* The thin CLI's protocol with the daemon (the daemon's end:
 * dev.nana.daemon.forward.ForwardProtocol, which names the same words; ForwardProtocolDriftTest
 * fails when the two disagree).
 * Big-endian integers on a unix stream socket at "<daemon address>.cli":
 *   client → daemon  u32 length, then "NANA" u32 version, u32 argc {u32 len, bytes}...,
 *                    u32 envc {u32 len, "K=V"}..., u32 len, cwd
 *                    with SCM_RIGHTS on the first bytes: the client's fds 0, 1, 2
 *   client → daemon  'S' u32 signal    (a signal the client received)
 *   client → daemon  'W' u32 rows<<16|cols  (its terminal's size: at once and on SIGWINCH)
 *   daemon → client  'A' u32 0         (the request is whole and its command runs)
 *   daemon → client  'R' u32 on        (raw mode on/off: the client owns its terminal)
 *   daemon → client  'X' u32 code      (the command's exit code)
 *   daemon → client  'B' u32 limit     (refused: the daemon serves its limit of clients)
 */
#ifndef NANA_FORWARD_H
#define NANA_FORWARD_H

#define FORWARD_MAGIC "NANA"
#define FORWARD_VERSION 2
#define FORWARD_SIGNAL 'S'
#define FORWARD_WINSIZE 'W'
#define FORWARD_ACCEPTED 'A'
#define FORWARD_RAW 'R'
#define FORWARD_EXIT 'X'
#define FORWARD_BUSY 'B'
#define FORWARD_FRAME 5
#define FORWARD_MAX_REQUEST (1 << 20) /* argv, environment and cwd together, at most */

#endif
