/*
 * ctl.h - the client side of pulse's control socket (RUNDIR/pulse.sock).
 *
 * One request line built from the command table (ctl_cmd.h), one JSON
 * object back (doc/protocol.md).  Used by shoalctl and shoal-web.
 */
#ifndef SHOAL_CTL_H
#define SHOAL_CTL_H

#include <jansson.h>

#include "ipc/ctl_cmd.h"

/*
 * The largest JSON reply taken.  The status names every real server
 * (about 400 bytes each: 10,000 servers are 4 MB, which 1 MiB once
 * refused); 64 MiB holds well over 100,000 and still bounds what a
 * broken pulse could make a client allocate.
 */
#define CTL_REPLY_MAX		(64 * 1024 * 1024)

/*
 * Sends command id with its nargs arguments (as the table wants them) to
 * rundir/pulse.sock and returns the reply object (caller json_decref()s),
 * or NULL with a message in err: arguments that do not fit the table,
 * pulse not running, timeout after timeout_ms, or a reply that is not a
 * JSON object.  pulse's own refusals are replies: {"error": "..."}, with
 * "denied": true when the caller may not use the command.
 */
json_t *ctl_call(const char *rundir, enum ctl_cmd_id id,
    const char *const *args, int nargs, int timeout_ms, char *err,
    size_t errlen);

/*
 * ctl_call() for a command with a body (cc_body, e.g. "preview"): the
 * request line carries len, then body's len bytes follow (1 to
 * CTL_BODY_MAX).  The reply object or NULL with a message in err.
 */
json_t *ctl_call_body(const char *rundir, enum ctl_cmd_id id,
    const char *body, size_t len, int timeout_ms, char *err, size_t errlen);

/*
 * A non-blocking connected socket to rundir/pulse.sock for a client that
 * runs on an event loop (shoal-web); -1 with a message in err (pulse not
 * running, permission).  The caller writes the request (ctl_req_format()
 * and a newline) and closes it.
 */
int ctl_connect(const char *rundir, char *err, size_t errlen);

#define CTL_TEXT_MAX		(256 * 1024 * 1024)

/*
 * For the commands that answer text (metrics): the whole reply,
 * NUL-terminated (caller frees), *len its length; NULL with a message in
 * err, also when pulse answered {"error": ...} instead.
 */
char *ctl_call_text(const char *rundir, enum ctl_cmd_id id,
    const char *const *args, int nargs, int timeout_ms, size_t *len,
    char *err, size_t errlen);

/*
 * For the commands that answer line by line (events, events-follow):
 * calls fn for every complete line (without its newline, NUL-terminated)
 * until pulse closes, fn returns non-zero, or timeout_ms (0: no limit)
 * passes.  0 when pulse closed or fn stopped, -1 with a message in err.
 */
int ctl_stream(const char *rundir, enum ctl_cmd_id id,
    const char *const *args, int nargs, int timeout_ms,
    int (*fn)(const char *line, void *arg), void *arg, char *err,
    size_t errlen);

#endif
