/*
 * http_reply.h - what a request handler sees and answers: the request, the
 * reply it fills, the routing table's entries, and the reply builders.
 *
 * The server core (http.c) calls handlers (api_*.c, static.c) through
 * routing tables it is given; handlers build replies with this file's
 * functions, so nothing the core includes depends back on the core.  (A
 * handler that defers its answer calls http_req_finish() in http.h.)  The
 * error shapes of the API:
 *
 *	{"error": "message"}
 *	{"error": "invalid input", "errors": [{"field": F, "message": M}, ...]}
 */
#ifndef SHOAL_HTTP_REPLY_H
#define SHOAL_HTTP_REPLY_H

#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

#include "lib/diag.h"

struct web;

#define HTTP_MAX_PARAMS		3
#define HTTP_USER_MAX		64

enum http_method {
	HTTP_GET,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_HEAD,
	HTTP_OTHER,
};

/*
 * One request as a handler sees it.  The core owns it and everything it
 * points to; it lives until the reply is queued (for a deferred reply:
 * until http_req_finish()).
 */
struct http_req {
	struct web		*rq_web;
	struct MHD_Connection	*rq_conn;
	enum http_method	 rq_method;
	const char		*rq_url;
	char			*rq_params[HTTP_MAX_PARAMS];	/* {} segments */
	const void		*rq_arg;	/* the route's rt_arg */
	char			*rq_body;	/* NUL-terminated, may be NULL */
	size_t			 rq_body_len;
	json_t			*rq_json;	/* parsed body (JSON routes) */
	char			 rq_user[HTTP_USER_MAX];	/* "" = no session */
	int			 rq_role;	/* enum users_role; 0 = none */
	char			 rq_peer[64];	/* client address text */
};

/*
 * What a handler answers.  Exactly one of json, text or resp is used;
 * http_reply_*() fill it.  The core frees json/text/cookie and queues
 * resp.  rp_deferred: no answer yet (http_reply_defer()).
 */
struct http_reply {
	unsigned int		 rp_status;
	json_t			*rp_json;
	char			*rp_text;
	size_t			 rp_text_len;
	const char		*rp_ctype;
	char			*rp_cookie;	/* Set-Cookie value or NULL */
	unsigned int		 rp_retry_after;	/* seconds, 429 */
	int			 rp_bearer;	/* 401 asks for a bearer token */
	struct MHD_Response	*rp_resp;	/* prepared elsewhere (SSE) */
	int			 rp_nocache;
	int			 rp_deferred;
	int			 rp_close;	/* Connection: close */
};

enum {
	ROUTE_PUBLIC	= 0x1,	/* no session needed (login) */
	ROUTE_NOCSRF	= 0x2,	/* state change without CSRF (login) */
	ROUTE_TEXT	= 0x4,	/* body is text, not JSON (import) */
	ROUTE_BIG	= 0x8,	/* body may be up to HTTP_IMPORT_MAX */
	ROUTE_BEARER	= 0x10,	/* no session: the bearer token of
				   --metrics-token-file instead (/metrics) */
	/*
	 * The least role (store/users.h) that may call the route.  A route
	 * with none of these: GET needs a viewer, any other method an admin
	 * (http_route_role()), so a new route is safe until tagged.
	 */
	ROUTE_VIEWER	= 0x20,
	ROUTE_OPERATOR	= 0x40,
	ROUTE_ADMIN	= 0x80,
};

typedef void (*http_handler)(struct http_req *, struct http_reply *);

/*
 * One line of a routing table; a table ends with a NULL pattern.  A {} in
 * the pattern matches one non-empty path segment, handed to the handler in
 * rq_params; rt_arg is handed over as rq_arg, so one handler serves
 * several routes (virtual servers and failover services).
 */
struct http_route {
	enum http_method	 rt_method;
	const char		*rt_pattern;	/* "/api/v1/x/{}/y" */
	unsigned int		 rt_flags;
	http_handler		 rt_handler;
	const void		*rt_arg;
};

/* Reply builders: they take ownership of json/text. */
void http_reply_json(struct http_reply *, unsigned int status, json_t *);
void http_reply_text(struct http_reply *, unsigned int status,
    const char *ctype, char *text, size_t len);
void http_reply_error(struct http_reply *, unsigned int status,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 400 with every error item of d as {field, message}. */
void http_reply_diag(struct http_reply *, const struct diag *);
/* 400 naming one field. */
void http_reply_field(struct http_reply *, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The JSON form of a diag's errors: [{field, message, line?, col?}]. */
json_t *http_diag_json(const struct diag *);
/*
 * No answer yet: the handler has handed the request to work that ends
 * later on the event loop (a password hash) and will answer with
 * http_req_finish() (http.h), exactly once.
 */
void http_reply_defer(struct http_reply *);
/* Frees what a reply holds (json, text, cookie, response). */
void http_reply_clear(struct http_reply *);

#endif
