/*
 * pulsectl.h - asks pulse for its status over the control socket.
 *
 * Protocol (pulse's, see doc/protocol.md): connect to RUNDIR/pulse.sock,
 * write one request line, read one JSON object until EOF.  This is
 * shoal-web's own client until src/lib/ctl.[ch] is shared.
 */
#ifndef SHOAL_PULSECTL_H
#define SHOAL_PULSECTL_H

#include <jansson.h>

#define PULSECTL_REPLY_MAX	(1024u * 1024)

/*
 * Sends request (without newline) and returns pulse's JSON reply (caller
 * decrefs), or NULL with a short reason in err (errlen bytes): "pulse not
 * running" when nothing listens, else what failed.  Never waits longer
 * than timeout_ms in total.
 */
json_t *pulsectl_request(const char *rundir, const char *request,
    int timeout_ms, char *err, size_t errlen);

#endif
