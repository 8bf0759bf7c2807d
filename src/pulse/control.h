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
struct control_conn;

#define CONTROL_STREAM_MAX	(4 * 1024 * 1024)	/* bytes queued */

/*
 * Answers a request the caller may make: returns a new reference, the
 * reply ({"error": "..."} on failure).  A handler that answers later or
 * streams (events, metrics, a drill) returns NULL and keeps the
 * connection: it writes with control_conn_write() and ends with
 * control_conn_end().  Such a connection has no idle timeout; a client
 * that reads too slowly is dropped (see control_conn_write()).
 */
typedef json_t *(*control_handler)(const struct ctl_req *,
    struct control_conn *, void *arg);

/*
 * Queues len bytes for the client.  With bounded, a client that has more
 * than CONTROL_STREAM_MAX bytes unread is dropped instead: -1, and the
 * connection is closed (its gone callback runs).  0 otherwise.
 */
int control_conn_write(struct control_conn *, const void *data, size_t len,
    int bounded);
/*
 * Queues data (malloc'ed, len bytes) without copying it: the connection
 * frees it once sent or closed, also on failure (-1, connection closed).
 * Not bounded: for one large answer (metrics), not for streams.
 */
int control_conn_give(struct control_conn *, char *data, size_t len);
/* Sends last (when not NULL; consumed) as one line, then closes once
 * everything is written. */
void control_conn_end(struct control_conn *, json_t *last);
/*
 * fn(arg) runs once when the connection goes (the client hung up, was
 * dropped, or control_conn_end() finished, or pulse stops); after it the
 * connection must not be used.
 */
void control_conn_on_gone(struct control_conn *, void (*fn)(void *),
    void *arg);
/* The caller's credentials (SO_PEERCRED) as the kernel gave them. */
const struct ctl_caller *control_conn_caller(const struct control_conn *);

/*
 * Listens on rundir/pulse.sock (mode 0660, in the group of rundir:
 * "shoal" when installed), replacing a stale socket but refusing when
 * another server answers on it.  NULL (logged) on error.
 */
struct control *control_open(struct event_base *, const char *rundir,
    control_handler, void *arg);
/* Stops listening, closes held connections, removes the socket file. */
void control_close(struct control *);

#endif
