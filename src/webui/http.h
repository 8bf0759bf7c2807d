/*
 * http.h - shoal-web's server core on top of libmicrohttpd: admission
 * (route, session, CSRF, declared size), bounded request bodies, JSON
 * parsing, security headers on every response, and the call of the
 * route's handler (http_reply.h).
 */
#ifndef SHOAL_HTTP_H
#define SHOAL_HTTP_H

#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

#include "lib/diag.h"
#include "http_reply.h"

struct web;
struct http_server;

#define HTTP_BODY_MAX		(64u * 1024)		/* JSON bodies */
#define HTTP_IMPORT_MAX		(4u * 1024 * 1024)	/* lvs.cf import */
#define HTTP_MAX_CONNECTIONS	8192

/*
 * Starts serving routes (and www/ files for other paths outside /api/)
 * on an already listening socket (bound before privileges were dropped)
 * with `threads` epoll threads.  TLS when cert and key (PEM text) are
 * given.  NULL on failure.
 */
struct http_server *http_start(struct web *, const struct http_route *routes,
    int listen_fd, const char *tls_cert_pem, const char *tls_key_pem,
    unsigned int threads);
/* Stops accepting, lets resumed streams end, stops; frees the server. */
void http_stop(struct http_server *);

/* Adds the security headers every response carries. */
void http_security_headers(struct MHD_Response *, int tls, int api);

/*
 * Parses a JSON body that must be an object: returns it (caller decrefs),
 * or NULL with one item in d (field "body") naming what is wrong.
 */
json_t *http_parse_json_object(const char *body, size_t len,
    struct diag *d);

#endif
