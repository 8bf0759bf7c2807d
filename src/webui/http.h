/*
 * http.h - shoal-web's server core: libmicrohttpd driven from the
 * process's one libevent loop (external epoll mode), admission (route,
 * session, CSRF, declared size), bounded request bodies, JSON parsing,
 * security headers on every response, and the call of the route's
 * handler (http_reply.h).
 *
 * Everything runs on the loop's thread: a handler must not block it.  A
 * handler whose answer needs slow work defers its reply
 * (http_reply_defer()) and finishes it later from the loop.
 */
#ifndef SHOAL_HTTP_H
#define SHOAL_HTTP_H

#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

#include "lib/diag.h"
#include "http_reply.h"

struct event_base;
struct http_server;
struct web;

#define HTTP_BODY_MAX		(64u * 1024)		/* JSON bodies */
#define HTTP_IMPORT_MAX		(4u * 1024 * 1024)	/* lvs.cf import */
#define HTTP_MAX_CONNECTIONS	8192
/* One client address holds at most this many connections (libmicrohttpd
 * closes the next at once): one client cannot take them all. */
#define HTTP_PER_ADDRESS	64
/*
 * Deadlines no trickle extends (libmicrohttpd's idle timeout restarts
 * with each byte): a request's header within HTTP_HEADER_S of the
 * connection (or HTTP_IDLE_S + HTTP_HEADER_S of the previous answer on
 * a kept-alive one), its body within HTTP_BODY_S of its header.  Past
 * it, the socket is shut down.  An answer being sent (a log stream) has
 * none.
 */
#define HTTP_HEADER_S		10
#define HTTP_BODY_S		60
#define HTTP_IDLE_S		30

/*
 * Starts serving routes (and www/ files for paths outside /api/) on an
 * already listening socket (bound before privileges were dropped), on
 * base.  TLS when cert and key (PEM text, kept by the caller until
 * http_server_free()) are given.  NULL on failure (logged).
 */
struct http_server *http_server_start(struct event_base *base, struct web *,
    const struct http_route *routes, int listen_fd, const char *tls_cert_pem,
    const char *tls_key_pem);
/* Stops accepting connections (shutdown); the others go on. */
void http_server_quiesce(struct http_server *);
/* Requests whose handler deferred its reply and has not finished it. */
unsigned int http_server_deferred(const struct http_server *);
/*
 * Closes every connection and frees the server.  Every deferred reply
 * must have been finished, and every suspended stream resumed, before
 * (libmicrohttpd cannot stop with suspended connections).
 */
void http_server_free(struct http_server *);

/*
 * Answers a request whose handler called http_reply_defer(): takes rp's
 * contents, resumes the connection and has the loop send it.  Once per
 * deferred request, from the loop (or even from the deferring handler
 * itself, before it returns); rq is not valid after.
 */
void http_req_finish(struct http_req *rq, struct http_reply *rp);
/*
 * MHD_resume_connection() for a connection suspended by a content
 * callback (a log stream), plus the wake-up libmicrohttpd needs in
 * external mode to notice it.
 */
void http_conn_resume(struct MHD_Connection *);

/* Adds the security headers every response carries. */
void http_security_headers(struct MHD_Response *, int tls, int api);

/*
 * Parses a JSON body that must be an object: returns it (caller decrefs),
 * or NULL with one item in d (field "body") naming what is wrong.
 */
json_t *http_parse_json_object(const char *body, size_t len,
    struct diag *d);

#endif
