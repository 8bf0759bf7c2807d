/*
 * api_push.c - pushing the configuration to every node.
 *
 * The sync library (src/sync, libssh2) is not part of this build yet, so
 * the push API says so honestly with 503 instead of pretending.  The
 * routes, the request shape and the page exist so that wiring sync in is
 * a change to this file only.
 */
#include "shoal-build.h"

#include "api.h"
#include "web.h"

void
api_push_start(struct http_req *rq, struct http_reply *rp)
{
	if (rq->rq_json != NULL) {
		static const char *const keys[] = { "nodes", NULL };
		struct diag d;

		diag_init(&d);
		if (api_only(rq->rq_json, keys, &d) == -1) {
			http_reply_diag(rp, &d);
			diag_clear(&d);
			return;
		}
		diag_clear(&d);
	}
	http_reply_error(rp, 503, "sync not available in this build");
}

void
api_push_get(struct http_req *rq, struct http_reply *rp)
{
	(void)rq;
	http_reply_error(rp, 503, "sync not available in this build");
}
