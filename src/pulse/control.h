/*
 * control.h - the control socket RUNDIR/pulse.sock (server side).
 *
 * Protocol (doc/protocol.md): a client connects, writes ONE request line
 * (at most CONTROL_LINE_MAX bytes, ending in '\n'), reads ONE JSON object
 * and the server closes.  The handler turns the line into the object.
 */
#ifndef SHOAL_CONTROL_H
#define SHOAL_CONTROL_H

#include <jansson.h>

#define CONTROL_SOCK_NAME	"pulse.sock"
#define CONTROL_LINE_MAX	1024
#define CONTROL_TIMEOUT_S	5

struct event_base;
struct control;

/* Returns a new reference: the reply ({"error": "..."} on failure). */
typedef json_t *(*control_handler)(const char *line, void *arg);

/*
 * Listens on rundir/pulse.sock (mode 0660, group "shoal" when it exists),
 * replacing a stale socket but refusing when another server answers on
 * it.  NULL (logged) on error.
 */
struct control *control_open(struct event_base *, const char *rundir,
    control_handler, void *arg);
/* Stops listening and removes the socket file. */
void control_close(struct control *);

#endif
