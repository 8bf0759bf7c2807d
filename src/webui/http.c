/*
 * http.c - shoal-web's server core: libmicrohttpd driven from the libevent
 * loop, and the plumbing between it and the route handlers.
 *
 * The daemon runs in libmicrohttpd's "external" epoll mode: its one epoll
 * descriptor is a read event on our loop, and its next deadline (idle
 * connections, data it already holds) a timer; both call MHD_run(), which
 * calls the handlers.  Nothing runs on another thread, so handlers use the
 * store, the sessions and the log tail without locks.  Work that would
 * block the loop (password hashing) is handed off: the handler defers its
 * reply, the connection is suspended, and http_req_finish() resumes it
 * from the loop when the answer is known.
 *
 * Everything that can be decided from the headers (route, session, CSRF,
 * declared body size) is decided on libmicrohttpd's first call, before any
 * body is read, so an unauthenticated or oversized request never has its
 * body buffered.  Bodies are collected up to the route's limit; beyond it
 * the rest is discarded (bounded) and the answer is 413.
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <microhttpd.h>

#include "config/config.h"
#include "lib/digest.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/users.h"
#include "auth.h"
#include "http.h"
#include "http_route.h"
#include "static.h"
#include "web.h"

/* The longest the loop sleeps without asking libmicrohttpd again. */
#define HTTP_TIMER_MAX_MS	(60 * 1000)

/* A connection (MHD's socket_context): its server and its deadline. */
struct http_sock {
	TAILQ_ENTRY(http_sock)	 hk_entry;
	struct http_server	*hk_server;
	struct MHD_Connection	*hk_conn;
	uint64_t		 hk_deadline;	/* monotonic ms; 0: none */
};
TAILQ_HEAD(http_socks, http_sock);

struct http_server {
	struct web		*hs_web;
	const struct http_route	*hs_routes;
	struct MHD_Daemon	*hs_mhd;
	struct event		*hs_io;		/* MHD's epoll fd readable */
	struct event		*hs_timer;	/* MHD's deadline, or "now" */
	struct event		*hs_reaper;	/* deadlines, every second */
	struct http_socks	 hs_socks;
	unsigned int		 hs_deferred;	/* replies not finished yet */
	uint64_t		 hs_reaped;	/* connections past a deadline */
};

/* Where a request is (MHD calls http_access() again for each step). */
enum http_stage {
	HC_BODY,	/* admitted: reading the body */
	HC_HANDLER,	/* the handler runs */
	HC_DEFERRED,	/* handler answers later: connection suspended */
	HC_FINISHED,	/* deferred answer ready: queue it on the next call */
	HC_DONE,	/* a reply was queued */
};

/* Per-request state (MHD's con_cls). */
struct http_conn {
	struct http_req		 hc_req;
	struct http_server	*hc_server;
	const struct http_route	*hc_route;
	enum http_stage		 hc_stage;
	struct http_reply	 hc_reply;	/* HC_FINISHED's answer */
	size_t			 hc_limit;
	size_t			 hc_cap;
	size_t			 hc_discarded;
	int			 hc_too_big;
};

static const char *const http_csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static void	http_server_wake(struct http_server *);

/* The connection's own state, or NULL. */
static struct http_sock *
http_sock_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/* The connection must get to its next step within secs (0: no limit). */
static void
http_deadline(struct MHD_Connection *c, unsigned int secs)
{
	struct http_sock *hk = http_sock_of(c);

	if (hk != NULL)
		hk->hk_deadline = secs == 0 ? 0 : clock_monotonic_ms() +
		    secs * 1000ull;
}

json_t *
http_parse_json_object(const char *body, size_t len, struct diag *d)
{
	json_error_t err;
	json_t *j;

	if (body == NULL || len == 0) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "body",
		    "a JSON object is required");
		return NULL;
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "body",
		    "malformed JSON at line %d column %d: %s", err.line,
		    err.column, err.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "body",
		    "a JSON object is required");
		return NULL;
	}
	return j;
}

void
http_security_headers(struct MHD_Response *r, int tls, int api)
{
	MHD_add_response_header(r, "Content-Security-Policy", http_csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	if (tls)
		MHD_add_response_header(r, "Strict-Transport-Security",
		    "max-age=31536000");
	if (api)
		MHD_add_response_header(r, "Cache-Control", "no-store");
}

/* Turns a reply into an MHD response and queues it; frees rp's parts. */
static enum MHD_Result
http_queue(struct MHD_Connection *c, struct http_reply *rp, int tls,
    const char *allow)
{
	struct MHD_Response *r = rp->rp_resp;
	enum MHD_Result ret;
	char *body = NULL, num[16];
	size_t len = 0;

	rp->rp_resp = NULL;
	if (r == NULL && rp->rp_json != NULL) {
		body = json_dumps(rp->rp_json, JSON_COMPACT);
		len = body != NULL ? strlen(body) : 0;
		rp->rp_ctype = "application/json";
	} else if (r == NULL && rp->rp_text != NULL) {
		body = rp->rp_text;
		rp->rp_text = NULL;
		len = rp->rp_text_len;
	}
	if (r == NULL) {
		r = MHD_create_response_from_buffer(len, body,
		    MHD_RESPMEM_MUST_FREE);
		if (r == NULL) {
			free(body);
			http_reply_clear(rp);
			return MHD_NO;
		}
		if (rp->rp_ctype != NULL)
			MHD_add_response_header(r, "Content-Type",
			    rp->rp_ctype);
	}
	http_security_headers(r, tls, rp->rp_nocache);
	if (rp->rp_cookie != NULL)
		MHD_add_response_header(r, "Set-Cookie", rp->rp_cookie);
	if (rp->rp_retry_after > 0) {
		snprintf(num, sizeof(num), "%u", rp->rp_retry_after);
		MHD_add_response_header(r, "Retry-After", num);
	}
	if (allow != NULL && allow[0] != '\0')
		MHD_add_response_header(r, "Allow", allow);
	if (rp->rp_close)
		MHD_add_response_header(r, "Connection", "close");
	if (rp->rp_bearer)
		MHD_add_response_header(r, "WWW-Authenticate",
		    "Bearer realm=\"shoal-web metrics\"");
	ret = MHD_queue_response(c, rp->rp_status ? rp->rp_status : 500, r);
	MHD_destroy_response(r);
	http_reply_clear(rp);
	return ret;
}

static void
http_conn_free(struct http_conn *hc)
{
	int i;

	if (hc == NULL)
		return;
	for (i = 0; i < HTTP_MAX_PARAMS; i++)
		free(hc->hc_req.rq_params[i]);
	if (hc->hc_req.rq_body != NULL) {
		mem_wipe(hc->hc_req.rq_body, hc->hc_req.rq_body_len);
		free(hc->hc_req.rq_body);
	}
	json_decref(hc->hc_req.rq_json);
	http_reply_clear(&hc->hc_reply);
	free(hc);
}

static void
http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)toe;
	http_conn_free(*con_cls);
	*con_cls = NULL;
	/* kept alive: the next request's header, after an idle while */
	http_deadline(c, HTTP_IDLE_S + HTTP_HEADER_S);
}

static void
http_peer(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci;
	struct cfg_addr a;

	str_copy(buf, "unknown", len);
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	if (cfg_addr_from_sockaddr(&a, ci->client_addr) == 0)
		cfg_addr_str(&a, buf, len);
}

static int
http_is_change(enum http_method m)
{
	return m == HTTP_POST || m == HTTP_PUT || m == HTTP_DELETE;
}

/* Counts the framing headers of a request (MHD_get_connection_values). */
struct http_framing {
	unsigned int	 hf_clen;	/* Content-Length headers */
	unsigned int	 hf_te;		/* Transfer-Encoding headers */
};

static enum MHD_Result
http_framing_one(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct http_framing *hf = cls;

	(void)kind;
	(void)value;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		hf->hf_clen++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		hf->hf_te++;
	return MHD_YES;
}

/*
 * RFC 9112 6.3: a body framed two ways (Content-Length twice, or with
 * Transfer-Encoding) is a request another server on the path may read
 * differently (request smuggling): 400, and the connection closes.
 * 1 with the answer in rp, else 0.
 */
static int
http_bad_framing(struct MHD_Connection *c, struct http_reply *rp)
{
	struct http_framing hf = { 0, 0 };

	MHD_get_connection_values(c, MHD_HEADER_KIND, http_framing_one, &hf);
	if (hf.hf_clen <= 1 && !(hf.hf_clen == 1 && hf.hf_te > 0) &&
	    hf.hf_te <= 1)
		return 0;
	http_reply_error(rp, 400, "ambiguous request framing: %s",
	    hf.hf_clen > 1 ? "more than one Content-Length" : hf.hf_te > 1 ?
	    "more than one Transfer-Encoding" :
	    "both Content-Length and Transfer-Encoding");
	rp->rp_close = 1;
	return 1;
}

/*
 * The role of a session's user, read from the store on every request so
 * that a role change or a deleted account counts at once.  1 with
 * rq_role set; 0 when the user is gone (no session); -1 with a 500 in rp.
 */
static int
http_role(struct web *w, struct http_req *rq, struct http_reply *rp)
{
	enum users_role role;

	switch (users_get_role(w->w_store, rq->rq_user, &role)) {
	case 0:
		rq->rq_role = (int)role;
		return 1;
	case 1:
		rq->rq_user[0] = '\0';
		return 0;
	default:
		http_reply_error(rp, 500, "cannot read the role of %s from "
		    "the store", rq->rq_user);
		return -1;
	}
}

/*
 * A route for a scraper (/metrics): the Authorization header must carry
 * the bearer token of --metrics-token-file; a session cookie counts for
 * nothing.  The token is compared through its SHA-256, so the time taken
 * depends neither on where nor on how long the two differ.  Without a
 * configured token every request is refused.  0 to go on (GET only: no
 * body, no CSRF), or 1 with a 401 in rp.
 */
static int
http_admit_bearer(const struct web *w, struct http_conn *hc,
    struct http_reply *rp)
{
	struct http_req *rq = &hc->hc_req;
	char given[DIGEST_SHA256_HEX];
	const char *h;
	int ok;

	h = MHD_lookup_connection_value(rq->rq_conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	ok = w->w_metrics_token_set && h != NULL &&
	    strncasecmp(h, "Bearer ", 7) == 0;
	if (ok) {
		digest_sha256_hex(h + 7, strlen(h + 7), given);
		ok = digest_equal((const uint8_t *)given,
		    (const uint8_t *)w->w_metrics_token, DIGEST_SHA256_HEX);
	}
	if (!ok) {
		log_debug("%s from %s: no or wrong bearer token", rq->rq_url,
		    rq->rq_peer);
		http_reply_error(rp, 401, w->w_metrics_token_set ?
		    "bearer token required" : "metrics disabled: shoal-web "
		    "runs without --metrics-token-file");
		rp->rp_bearer = 1;
		return 1;
	}
	str_copy(rq->rq_user, "metrics", sizeof(rq->rq_user));
	rq->rq_arg = hc->hc_route->rt_arg;
	hc->hc_limit = 0;
	return 0;
}

/*
 * The header-time decisions.  Returns 0 to go on reading the body, or
 * fills rp with the final answer and returns 1.
 */
static int
http_admit(struct http_server *hs, struct http_conn *hc, const char *url,
    struct http_reply *rp, char *allow, size_t allow_len)
{
	struct web *w = hs->hs_web;
	struct http_req *rq = &hc->hc_req;
	const char *cookie, *csrf_hdr, *clen;
	char csrf[AUTH_TOKEN_LEN + 1];
	int bad_method, have_session = 0;
	unsigned long long declared;

	if (http_bad_framing(rq->rq_conn, rp))
		return 1;
	hc->hc_route = http_route_find(hs->hs_routes, rq->rq_method, url,
	    rq->rq_params, &bad_method);
	if (hc->hc_route == NULL && strncmp(url, "/api/", 5) != 0) {
		static_serve(w->w_www, url, rq->rq_method, rp);
		return 1;
	}
	if (hc->hc_route != NULL && (hc->hc_route->rt_flags & ROUTE_BEARER))
		return http_admit_bearer(w, hc, rp);
	cookie = MHD_lookup_connection_value(rq->rq_conn, MHD_COOKIE_KIND,
	    AUTH_COOKIE);
	if (cookie != NULL && auth_session_get(w->w_auth, cookie,
	    rq->rq_user, sizeof(rq->rq_user), csrf) == 0) {
		if ((have_session = http_role(w, rq, rp)) == -1) {
			mem_wipe(csrf, sizeof(csrf));
			return 1;
		}
	}
	if (hc->hc_route == NULL || !(hc->hc_route->rt_flags & ROUTE_PUBLIC)) {
		if (!have_session) {
			rq->rq_user[0] = '\0';
			http_reply_error(rp, 401, "login required");
			return 1;
		}
	}
	if (hc->hc_route == NULL) {
		if (bad_method) {
			http_route_allow(hs->hs_routes, url, allow,
			    allow_len);
			http_reply_error(rp, 405, "method not allowed on %s "
			    "(allowed: %s)", url, allow);
		} else
			http_reply_error(rp, 404, "no such resource: %s", url);
		return 1;
	}
	if (!(hc->hc_route->rt_flags & ROUTE_PUBLIC) &&
	    rq->rq_role < http_route_role(hc->hc_route)) {
		http_reply_error(rp, 403, "forbidden: %s %s needs the %s role "
		    "(%s is %s)", http_method_name(rq->rq_method), url,
		    users_role_name(http_route_role(hc->hc_route)),
		    rq->rq_user, users_role_name(rq->rq_role));
		mem_wipe(csrf, sizeof(csrf));
		return 1;
	}
	if (http_is_change(rq->rq_method) &&
	    !(hc->hc_route->rt_flags & ROUTE_NOCSRF)) {
		csrf_hdr = MHD_lookup_connection_value(rq->rq_conn,
		    MHD_HEADER_KIND, "X-CSRF-Token");
		if (csrf_hdr == NULL || !auth_csrf_equal(csrf, csrf_hdr)) {
			http_reply_error(rp, 403, "missing or wrong CSRF token "
			    "(X-CSRF-Token)");
			mem_wipe(csrf, sizeof(csrf));
			return 1;
		}
	}
	mem_wipe(csrf, sizeof(csrf));
	rq->rq_arg = hc->hc_route->rt_arg;
	hc->hc_limit = hc->hc_route->rt_flags & ROUTE_BIG ?
	    HTTP_IMPORT_MAX : HTTP_BODY_MAX;
	clen = MHD_lookup_connection_value(rq->rq_conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL) {
		errno = 0;
		declared = strtoull(clen, NULL, 10);
		if (errno != 0 || declared > hc->hc_limit) {
			http_reply_error(rp, 413, "request body larger than "
			    "%zu bytes", hc->hc_limit);
			return 1;
		}
	}
	return 0;
}

/* Collects one chunk of body; beyond the limit it is counted and dropped. */
static int
http_collect(struct http_conn *hc, const char *data, size_t len)
{
	struct http_req *rq = &hc->hc_req;
	char *nb;
	size_t ncap;

	if (hc->hc_too_big || rq->rq_body_len + len > hc->hc_limit) {
		hc->hc_too_big = 1;
		hc->hc_discarded += len;
		/* do not read gigabytes just to say no */
		return hc->hc_discarded > 4 * hc->hc_limit ? -1 : 0;
	}
	if (rq->rq_body_len + len + 1 > hc->hc_cap) {
		ncap = hc->hc_cap ? hc->hc_cap : 1024;
		while (ncap < rq->rq_body_len + len + 1)
			ncap *= 2;
		if ((nb = realloc(rq->rq_body, ncap)) == NULL)
			return -1;
		rq->rq_body = nb;
		hc->hc_cap = ncap;
	}
	memcpy(rq->rq_body + rq->rq_body_len, data, len);
	rq->rq_body_len += len;
	rq->rq_body[rq->rq_body_len] = '\0';
	return 0;
}

/* The body-time checks and the handler call. */
static void
http_dispatch(struct http_conn *hc, struct http_reply *rp)
{
	struct http_req *rq = &hc->hc_req;
	const char *ctype;
	struct diag d;

	if (hc->hc_too_big) {
		http_reply_error(rp, 413, "request body larger than %zu bytes",
		    hc->hc_limit);
		return;
	}
	if ((rq->rq_method == HTTP_POST || rq->rq_method == HTTP_PUT) &&
	    !(hc->hc_route->rt_flags & ROUTE_TEXT) && rq->rq_body_len > 0) {
		ctype = MHD_lookup_connection_value(rq->rq_conn,
		    MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (ctype == NULL || strncasecmp(ctype, "application/json",
		    16) != 0) {
			http_reply_error(rp, 415, "Content-Type must be "
			    "application/json");
			return;
		}
		diag_init(&d);
		rq->rq_json = http_parse_json_object(rq->rq_body,
		    rq->rq_body_len, &d);
		if (rq->rq_json == NULL) {
			http_reply_diag(rp, &d);
			diag_clear(&d);
			return;
		}
		diag_clear(&d);
	}
	hc->hc_route->rt_handler(rq, rp);
	if (rp->rp_status == 0 && !rp->rp_deferred)
		http_reply_error(rp, 500, "internal error");
}

/* The first call for a request: its state, then the header-time answer. */
static enum MHD_Result
http_begin(struct http_server *hs, struct MHD_Connection *c,
    const char *url, const char *method, void **con_cls)
{
	struct http_conn *hc;
	struct http_reply rp;
	char allow[64] = "";

	if ((hc = calloc(1, sizeof(*hc))) == NULL)
		return MHD_NO;
	*con_cls = hc;
	hc->hc_server = hs;
	hc->hc_stage = HC_BODY;
	hc->hc_req.rq_web = hs->hs_web;
	hc->hc_req.rq_conn = c;
	hc->hc_req.rq_url = url;
	hc->hc_req.rq_method = http_method_from(method);
	http_peer(c, hc->hc_req.rq_peer, sizeof(hc->hc_req.rq_peer));
	memset(&rp, 0, sizeof(rp));
	if (!http_admit(hs, hc, url, &rp, allow, sizeof(allow))) {
		http_deadline(c, HTTP_BODY_S);
		return MHD_YES;
	}
	http_deadline(c, 0);
	hc->hc_stage = HC_DONE;
	return http_queue(c, &rp, hs->hs_web->w_tls, allow);
}

/* The whole body is in: the handler answers now, or later (deferred). */
static enum MHD_Result
http_end(struct http_conn *hc)
{
	struct http_server *hs = hc->hc_server;
	struct http_reply rp;

	memset(&rp, 0, sizeof(rp));
	hc->hc_stage = HC_HANDLER;
	http_deadline(hc->hc_req.rq_conn, 0);	/* answering: no limit */
	http_dispatch(hc, &rp);
	if (rp.rp_deferred && hc->hc_stage == HC_FINISHED)
		rp = hc->hc_reply;	/* finished before the handler returned */
	else if (rp.rp_deferred) {
		hc->hc_stage = HC_DEFERRED;
		hs->hs_deferred++;
		MHD_suspend_connection(hc->hc_req.rq_conn);
		return MHD_YES;
	}
	memset(&hc->hc_reply, 0, sizeof(hc->hc_reply));
	hc->hc_stage = HC_DONE;
	return http_queue(hc->hc_req.rq_conn, &rp, hs->hs_web->w_tls, NULL);
}

static enum MHD_Result
http_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_conn *hc = *con_cls;

	(void)version;
	if (hc == NULL)
		return http_begin(cls, c, url, method, con_cls);
	switch (hc->hc_stage) {
	case HC_BODY:
		break;
	case HC_FINISHED:
		hc->hc_stage = HC_DONE;
		return http_queue(c, &hc->hc_reply, hc->hc_server->hs_web->w_tls,
		    NULL);
	case HC_HANDLER:	/* not called from a handler */
	case HC_DEFERRED:	/* nor while suspended */
	case HC_DONE:
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (http_collect(hc, upload_data, *upload_data_size) == -1)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return http_end(hc);
}

/* ---- deferred replies ---- */

void
http_req_finish(struct http_req *rq, struct http_reply *rp)
{
	struct http_conn *hc = (struct http_conn *)(void *)((char *)rq -
	    offsetof(struct http_conn, hc_req));
	struct http_server *hs = hc->hc_server;
	enum http_stage was = hc->hc_stage;

	if (was != HC_DEFERRED && was != HC_HANDLER)
		fatalx("http: a reply finished twice or never deferred");
	if (rp->rp_status == 0)
		http_reply_error(rp, 500, "internal error");
	hc->hc_reply = *rp;
	memset(rp, 0, sizeof(*rp));
	hc->hc_stage = HC_FINISHED;
	if (was == HC_HANDLER)
		return;		/* http_end() queues it */
	hs->hs_deferred--;
	MHD_resume_connection(rq->rq_conn);
	http_server_wake(hs);
}

void
http_conn_resume(struct MHD_Connection *c)
{
	struct http_sock *hk;

	MHD_resume_connection(c);
	if ((hk = http_sock_of(c)) != NULL)
		http_server_wake(hk->hk_server);
}

/*
 * Every connection knows its server (for http_conn_resume()) and has a
 * deadline for its request's header.  Without memory for that the
 * connection goes at once.
 */
static void
http_notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *hs = cls;
	struct http_sock *hk = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (hk != NULL) {
			TAILQ_REMOVE(&hs->hs_socks, hk, hk_entry);
			free(hk);
		}
		*socket_context = NULL;
		return;
	}
	if ((hk = calloc(1, sizeof(*hk))) == NULL) {
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci != NULL)
			(void)shutdown(ci->connect_fd, SHUT_RDWR);
		return;
	}
	hk->hk_server = hs;
	hk->hk_conn = c;
	hk->hk_deadline = clock_monotonic_ms() + HTTP_HEADER_S * 1000ull;
	TAILQ_INSERT_TAIL(&hs->hs_socks, hk, hk_entry);
	*socket_context = hk;
}

/*
 * Once a second: a connection past its deadline (a header or body that
 * trickles in) is shut down; libmicrohttpd then sees the end and frees
 * it as for any client that went away.
 */
static void
http_reap(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *hs = arg;
	const union MHD_ConnectionInfo *ci;
	struct http_sock *hk;
	uint64_t now = clock_monotonic_ms();
	int n = 0;

	(void)fd;
	(void)what;
	TAILQ_FOREACH(hk, &hs->hs_socks, hk_entry) {
		if (hk->hk_deadline == 0 || now < hk->hk_deadline)
			continue;
		ci = MHD_get_connection_info(hk->hk_conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci != NULL)
			(void)shutdown(ci->connect_fd, SHUT_RDWR);
		hk->hk_deadline = 0;
		hs->hs_reaped++;
		n++;
	}
	if (n > 0) {
		log_debug("http: %d connection%s past the header/body "
		    "deadline shut down", n, n == 1 ? "" : "s");
		http_server_wake(hs);
	}
}

static int
http_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decoding of URLs in place.  A decoded NUL becomes DEL so that
 * "/index.html%00.js" cannot cut a path short: DEL is in no valid path or
 * name, so such a URL is a 404.
 */
static size_t
http_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *r = s, *w = s;
	int hi, lo;

	(void)cls;
	(void)c;
	while (*r != '\0') {
		if (r[0] == '%' && (hi = http_hex(r[1])) != -1 &&
		    (lo = http_hex(r[2])) != -1) {
			*w = (char)(hi * 16 + lo);
			if (*w == '\0')
				*w = 0x7f;
			w++;
			r += 3;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* libmicrohttpd's own complaints (clients closing early...) are debug. */
static void http_mhd_log(void *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	if (log_get_verbose() == 0)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_debug("http: %s", buf);
}

/* ---- the daemon on the event loop ---- */

/* Runs libmicrohttpd once and arms the timer at its next deadline. */
static void
http_server_run(struct http_server *hs)
{
	MHD_UNSIGNED_LONG_LONG ms;
	struct timeval tv;

	MHD_run(hs->hs_mhd);
	if (MHD_get_timeout(hs->hs_mhd, &ms) == MHD_NO) {
		event_del(hs->hs_timer);
		return;
	}
	if (ms > HTTP_TIMER_MAX_MS)
		ms = HTTP_TIMER_MAX_MS;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	event_add(hs->hs_timer, &tv);
}

static void
http_server_event(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	http_server_run(arg);
}

/* libmicrohttpd has work that no descriptor will announce: run it soon. */
static void
http_server_wake(struct http_server *hs)
{
	event_active(hs->hs_timer, EV_TIMEOUT, 1);
}

/* The daemon's flags and options; opts has room for 10. */
static unsigned int
http_options(int listen_fd, const char *cert_pem, const char *key_pem,
    struct MHD_OptionItem *opts)
{
	unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG;
	int n = 0;

	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET,
	    listen_fd, NULL };
	/* slow or idle clients are dropped after 30 s of silence */
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
	    30, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
	    HTTP_MAX_CONNECTIONS, NULL };
	opts[n++] = (struct MHD_OptionItem){
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, HTTP_PER_ADDRESS, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    64 * 1024, NULL };
	if (cert_pem != NULL) {
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT,
		    0, (void *)(uintptr_t)cert_pem };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY,
		    0, (void *)(uintptr_t)key_pem };
	}
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return flags;
}

/* The loop's two events on the daemon's epoll descriptor; 0 or -1. */
static int
http_server_events(struct http_server *hs, struct event_base *base)
{
	static const struct timeval second = { 1, 0 };
	const union MHD_DaemonInfo *di;

	di = MHD_get_daemon_info(hs->hs_mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (di == NULL) {
		log_warnx("http: libmicrohttpd has no epoll descriptor");
		return -1;
	}
	if ((hs->hs_io = event_new(base, di->epoll_fd, EV_READ | EV_PERSIST,
	    http_server_event, hs)) == NULL || event_add(hs->hs_io,
	    NULL) == -1 || (hs->hs_timer = event_new(base, -1, 0,
	    http_server_event, hs)) == NULL || (hs->hs_reaper = event_new(base,
	    -1, EV_PERSIST, http_reap, hs)) == NULL ||
	    event_add(hs->hs_reaper, &second) == -1) {
		log_warnx("http: cannot set up the event loop");
		return -1;
	}
	http_server_wake(hs);
	return 0;
}

struct http_server *
http_server_start(struct event_base *base, struct web *w,
    const struct http_route *routes, int listen_fd, const char *cert_pem,
    const char *key_pem)
{
	struct MHD_OptionItem opts[10];
	struct http_server *hs;
	unsigned int flags;

	if ((hs = calloc(1, sizeof(*hs))) == NULL)
		return NULL;
	TAILQ_INIT(&hs->hs_socks);
	hs->hs_web = w;
	hs->hs_routes = routes;
	flags = http_options(listen_fd, cert_pem, key_pem, opts);
	hs->hs_mhd = MHD_start_daemon(flags, 0, NULL, NULL, http_access, hs,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, http_notify_conn, hs,
	    MHD_OPTION_UNESCAPE_CALLBACK, http_unescape, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (hs->hs_mhd == NULL || http_server_events(hs, base) == -1) {
		http_server_free(hs);
		return NULL;
	}
	return hs;
}

void
http_server_quiesce(struct http_server *hs)
{
	int lfd;

	if ((lfd = MHD_quiesce_daemon(hs->hs_mhd)) != -1)
		close(lfd);
	http_server_wake(hs);
}

unsigned int
http_server_deferred(const struct http_server *hs)
{
	return hs->hs_deferred;
}

void
http_server_free(struct http_server *hs)
{
	if (hs == NULL)
		return;
	if (hs->hs_deferred > 0)
		fatalx("http: %u replies still deferred at exit",
		    hs->hs_deferred);
	if (hs->hs_mhd != NULL)
		MHD_stop_daemon(hs->hs_mhd);
	if (hs->hs_io != NULL)
		event_free(hs->hs_io);
	if (hs->hs_timer != NULL)
		event_free(hs->hs_timer);
	if (hs->hs_reaper != NULL)
		event_free(hs->hs_reaper);
	free(hs);
}
