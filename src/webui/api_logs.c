/*
 * api_logs.c - the log file: recent lines and the live stream (SSE).
 */
#include "shoal-build.h"

#include <stdlib.h>

#include "api.h"
#include "logtail.h"
#include "web.h"

static unsigned int
lines_param(struct http_req *rq, unsigned int def)
{
	const char *s;
	long n;

	s = MHD_lookup_connection_value(rq->rq_conn, MHD_GET_ARGUMENT_KIND,
	    "lines");
	if (s == NULL)
		return def;
	n = strtol(s, NULL, 10);
	return n < 0 ? 0 : n > LOGTAIL_RING ? LOGTAIL_RING : (unsigned int)n;
}

void
api_logs_recent(struct http_req *rq, struct http_reply *rp)
{
	struct logtail *lt = rq->rq_web->w_logtail;
	const char *path = logtail_path(lt);

	http_reply_json(rp, 200, json_pack("{s:s?,s:o}", "file", path,
	    "lines", logtail_recent(lt, lines_param(rq, 200))));
}

void
api_logs_stream(struct http_req *rq, struct http_reply *rp)
{
	struct MHD_Response *r;

	r = logtail_sse_response(rq->rq_web->w_logtail, rq->rq_conn,
	    lines_param(rq, 200));
	if (r == NULL) {
		http_reply_error(rp, 503, "too many log viewers");
		return;
	}
	rp->rp_status = 200;
	rp->rp_resp = r;
	rp->rp_nocache = 0;
}
