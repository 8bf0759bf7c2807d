/*
 * logtail.h - follows the log file and streams new lines to browsers.
 *
 * The file is watched with inotify on the main event loop (libevent): new
 * data is read as soon as it is written, a rotated file (renamed or
 * deleted, then re-created) is finished and the new one followed from its
 * start, a truncated file is read again from its start.  Each complete line
 * goes into a ring of recent lines and to every Server-Sent-Events client;
 * a client that cannot keep up loses lines (counted, and told so) rather
 * than growing memory.  Every 15 s idle clients get a comment line so dead
 * connections are noticed.
 */
#ifndef SHOAL_LOGTAIL_H
#define SHOAL_LOGTAIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

struct event_base;
struct logtail;

#define LOGTAIL_RING		500	/* recent lines kept */
#define LOGTAIL_MAX_CLIENTS	64
#define LOGTAIL_LINE_MAX	4096

/* path may be NULL (no log file: the stream stays empty).  NULL on error. */
struct logtail *logtail_new(const char *path);
/* Starts watching on base.  0 or -1. */
int logtail_start(struct logtail *, struct event_base *base);
void logtail_free(struct logtail *);

/*
 * An SSE response for one client on connection c, starting with up to
 * backlog recent lines.  NULL when too many clients, after
 * logtail_close_clients(), or ENOMEM.  The response is destroyed by the
 * caller after queueing, as usual.
 */
struct MHD_Response *logtail_sse_response(struct logtail *,
    struct MHD_Connection *c, unsigned int backlog);
/* The last n lines as a JSON array of {id, line}; NULL on ENOMEM. */
json_t *logtail_recent(struct logtail *, unsigned int n);
/*
 * Takes one line from elsewhere (len bytes, no newline): into the ring and
 * to every client, as a line of the file would be.  With a NULL path the
 * logtail is only that: a ring and its streams (pulse's events).
 */
void logtail_feed_line(struct logtail *, const char *text, size_t len);
/* Reads whatever is new now (also called by the inotify handler). */
void logtail_poll(struct logtail *);
const char *logtail_path(const struct logtail *);
/*
 * Ends every stream (shutdown): suspended clients are resumed and end;
 * no new stream starts.
 */
void logtail_close_clients(struct logtail *);
/* Streams open now (a stream is gone when libmicrohttpd freed it). */
size_t logtail_clients(const struct logtail *);

#endif
