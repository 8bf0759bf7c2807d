/*
 * ctlasync.h - a request to pulse's control socket (ipc/ctl.h) that runs
 * on shoal-web's event loop instead of blocking it: a drill (seconds) and
 * the event stream ("events-follow", for as long as shoal-web runs).
 *
 * The request line is written at once; every complete line of the answer
 * goes to the line callback (without its newline, NUL-terminated), then
 * the done callback runs once, when pulse closes or the connection
 * fails.  Lines longer than CTLASYNC_LINE_MAX end it as a failure.
 */
#ifndef SHOAL_CTLASYNC_H
#define SHOAL_CTLASYNC_H

#include <stddef.h>

#include "ipc/ctl_cmd.h"

struct event_base;
struct ctlasync;

#define CTLASYNC_LINE_MAX	(1024 * 1024)

typedef void (*ctlasync_line_fn)(const char *line, size_t len, void *arg);
/* ok: pulse closed after answering; else err says what failed.  The
 * request may be freed (ctlasync_free()) from here. */
typedef void (*ctlasync_done_fn)(int ok, const char *err, void *arg);

/*
 * Connects, sends command id with its arguments, and reads on base.
 * NULL with a message in err when it cannot start (pulse not running,
 * arguments the table refuses); the callbacks then never run.
 */
struct ctlasync *ctlasync_start(struct event_base *base, const char *rundir,
    enum ctl_cmd_id id, const char *const *args, int nargs,
    ctlasync_line_fn line, ctlasync_done_fn done, void *arg, char *err,
    size_t errlen);
/* Closes the connection; no callback runs after.  NULL is a no-op. */
void ctlasync_free(struct ctlasync *);

#endif
