/*
 * control.h - the control socket RUNDIR/pulse.sock (server side).
 *
 * Protocol (doc/protocol.md; the commands are ipc/ctl_cmd.h's table): a
 * client connects, writes ONE request line (at most CTL_LINE_MAX bytes,
 * ending in '\n'), reads ONE JSON object and the server closes.  The
 * socket parses the line against the table and checks the caller's
 * credentials (SO_PEERCRED, SO_PEERGROUPS) before the handler sees the
 * request: bad requests and refused callers get {"error": "..."} here,
 * and refusals are logged.
 */
#ifndef SHOAL_CONTROL_H
#define SHOAL_CONTROL_H

#include <jansson.h>

#include "ipc/ctl_cmd.h"

struct event_base;
struct control;

/*
 * Answers a request the caller may make: returns a new reference, the
 * reply ({"error": "..."} on failure).
 */
typedef json_t *(*control_handler)(const struct ctl_req *, void *arg);

/*
 * Listens on rundir/pulse.sock (mode 0660, in the group of rundir:
 * "shoal" when installed), replacing a stale socket but refusing when
 * another server answers on it.  NULL (logged) on error.
 */
struct control *control_open(struct event_base *, const char *rundir,
    control_handler, void *arg);
/* Stops listening and removes the socket file. */
void control_close(struct control *);

#endif
