/*
 * ctl.h - the client side of pulse's control socket (RUNDIR/pulse.sock).
 *
 * One request line, one JSON object back (doc/protocol.md).  Used by
 * shoalctl and shoal-web.
 */
#ifndef SHOAL_CTL_H
#define SHOAL_CTL_H

#include <jansson.h>

#define CTL_SOCK_NAME		"pulse.sock"
#define CTL_REPLY_MAX		(1024 * 1024)

/*
 * Sends line (without newline) to rundir/pulse.sock and returns the reply
 * object (caller json_decref()s), or NULL with a message in err: pulse not
 * running, timeout after timeout_ms, or a reply that is not a JSON object.
 */
json_t *ctl_request(const char *rundir, const char *line, int timeout_ms,
    char *err, size_t errlen);

#endif
