/*
 * http.h - shoal-web's request handling on top of libmicrohttpd: the
 * routing table, request bodies (size-limited, JSON-parsed), replies with
 * security headers on every response, and the error shapes of the API:
 *
 *	{"error": "message"}
 *	{"error": "invalid input", "errors": [{"field": F, "message": M}, ...]}
 */
#ifndef SHOAL_HTTP_H
#define SHOAL_HTTP_H

#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

#include "lib/diag.h"

struct web;

#define HTTP_BODY_MAX		(64u * 1024)		/* JSON bodies */
#define HTTP_IMPORT_MAX		(4u * 1024 * 1024)	/* lvs.cf import */
#define HTTP_MAX_PARAMS		3
#define HTTP_USER_MAX		64
#define HTTP_MAX_CONNECTIONS	8192

enum http_method {
	HTTP_GET,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_HEAD,
	HTTP_OTHER,
};

/* One request as a handler sees it. */
struct http_req {
	struct web		*rq_web;
	struct MHD_Connection	*rq_conn;
	enum http_method	 rq_method;
	const char		*rq_url;
	char			*rq_params[HTTP_MAX_PARAMS];	/* {} segments */
	char			*rq_body;	/* NUL-terminated, may be NULL */
	size_t			 rq_body_len;
	json_t			*rq_json;	/* parsed body (JSON routes) */
	char			 rq_user[HTTP_USER_MAX];	/* "" = no session */
	char			 rq_peer[64];	/* client address text */
};

/*
 * What a handler answers.  Exactly one of json, text or resp is used;
 * http_reply_*() fill it.  The dispatcher frees json/text and queues resp.
 */
struct http_reply {
	unsigned int		 rp_status;
	json_t			*rp_json;
	char			*rp_text;
	size_t			 rp_text_len;
	const char		*rp_ctype;
	char			*rp_cookie;	/* Set-Cookie value or NULL */
	unsigned int		 rp_retry_after;	/* seconds, 429 */
	struct MHD_Response	*rp_resp;	/* prepared elsewhere (SSE) */
	int			 rp_nocache;
};

enum {
	ROUTE_PUBLIC	= 0x1,	/* no session needed (login) */
	ROUTE_NOCSRF	= 0x2,	/* state change without CSRF (login) */
	ROUTE_TEXT	= 0x4,	/* body is text, not JSON (import) */
	ROUTE_BIG	= 0x8,	/* body may be up to HTTP_IMPORT_MAX */
};

typedef void (*http_handler)(struct http_req *, struct http_reply *);

struct http_route {
	enum http_method	 rt_method;
	const char		*rt_pattern;	/* "/api/v1/x/{}/y": {} = one segment */
	unsigned int		 rt_flags;
	http_handler		 rt_handler;
};

/*
 * Starts serving on an already listening socket (bound before privileges
 * were dropped) with `threads` epoll threads.  TLS when cert and key (PEM
 * text) are given.  NULL on failure.
 */
struct MHD_Daemon *http_start(struct web *, int listen_fd,
    const char *tls_cert_pem, const char *tls_key_pem, unsigned int threads);

/* Reply helpers: take ownership of json/text. */
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

/* Adds the security headers every response carries. */
void http_security_headers(struct MHD_Response *, int tls, int api);

/*
 * Finds the route for (method, path).  Returns the route, NULL when no
 * pattern matches (404); sets *bad_method when a pattern matches but not
 * the method (405).  Fills params with the {} segments (caller frees).
 * Exposed for the unit and fuzz tests.
 */
const struct http_route *http_route_find(const struct http_route *table,
    enum http_method, const char *path, char *params[HTTP_MAX_PARAMS],
    int *bad_method);
enum http_method http_method_from(const char *);

/*
 * Parses a JSON body that must be an object: returns it (caller decrefs),
 * or NULL with one item in d (field "body") naming what is wrong.
 */
json_t *http_parse_json_object(const char *body, size_t len,
    struct diag *d);

/* The API's routing table (api.c). */
extern const struct http_route api_routes[];

#endif
