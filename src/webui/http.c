/*
 * http.c - request plumbing between libmicrohttpd and the API handlers.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "config/config.h"
#include "lib/log.h"
#include "lib/util.h"
#include "auth.h"
#include "http.h"
#include "http_route.h"
#include "static.h"
#include "web.h"

struct http_server {
	struct web		*hs_web;
	const struct http_route	*hs_routes;
	struct MHD_Daemon	*hs_mhd;
};

/* Per-connection-request state (MHD's con_cls). */
struct http_conn {
	struct http_req		 hc_req;
	const struct http_route	*hc_route;
	size_t			 hc_limit;
	size_t			 hc_cap;
	size_t			 hc_discarded;
	int			 hc_too_big;
	int			 hc_done;	/* a reply was queued early */
};

static const char *const http_csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

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
			goto fail;
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
	ret = MHD_queue_response(c, rp->rp_status ? rp->rp_status : 500, r);
	MHD_destroy_response(r);
	rp->rp_resp = NULL;
	json_decref(rp->rp_json);
	rp->rp_json = NULL;
	free(rp->rp_text);
	free(rp->rp_cookie);
	return ret;
fail:
	json_decref(rp->rp_json);
	free(rp->rp_text);
	free(rp->rp_cookie);
	return MHD_NO;
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
	free(hc);
}

static void
http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	http_conn_free(*con_cls);
	*con_cls = NULL;
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

	hc->hc_route = http_route_find(hs->hs_routes, rq->rq_method, url,
	    rq->rq_params, &bad_method);
	if (hc->hc_route == NULL && strncmp(url, "/api/", 5) != 0) {
		static_serve(w->w_www, url, rq->rq_method, rp);
		return 1;
	}
	cookie = MHD_lookup_connection_value(rq->rq_conn, MHD_COOKIE_KIND,
	    AUTH_COOKIE);
	if (cookie != NULL && auth_session_get(w->w_auth, cookie,
	    rq->rq_user, sizeof(rq->rq_user), csrf) == 0)
		have_session = 1;
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
http_run(struct http_conn *hc, struct http_reply *rp)
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
	if (rp->rp_status == 0)
		http_reply_error(rp, 500, "internal error");
}

static enum MHD_Result
http_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *hs = cls;
	struct web *w = hs->hs_web;
	struct http_conn *hc = *con_cls;
	struct http_reply rp;
	char allow[64] = "";

	(void)version;
	memset(&rp, 0, sizeof(rp));
	if (hc == NULL) {
		if ((hc = calloc(1, sizeof(*hc))) == NULL)
			return MHD_NO;
		*con_cls = hc;
		hc->hc_req.rq_web = w;
		hc->hc_req.rq_conn = c;
		hc->hc_req.rq_url = url;
		hc->hc_req.rq_method = http_method_from(method);
		http_peer(c, hc->hc_req.rq_peer, sizeof(hc->hc_req.rq_peer));
		if (http_admit(hs, hc, url, &rp, allow, sizeof(allow))) {
			hc->hc_done = 1;
			return http_queue(c, &rp, w->w_tls, allow);
		}
		return MHD_YES;
	}
	if (hc->hc_done) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (http_collect(hc, upload_data, *upload_data_size) == -1)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	hc->hc_done = 1;
	http_run(hc, &rp);
	return http_queue(c, &rp, w->w_tls, NULL);
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

struct http_server *
http_start(struct web *w, const struct http_route *routes, int listen_fd,
    const char *cert_pem, const char *key_pem, unsigned int threads)
{
	struct http_server *hs;
	unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[10];
	int n = 0;

	if (cert_pem != NULL)
		flags |= MHD_USE_TLS;
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET,
	    listen_fd, NULL };
	if (threads > 1)
		opts[n++] = (struct MHD_OptionItem){
		    MHD_OPTION_THREAD_POOL_SIZE, threads, NULL };
	/* slow or idle clients are dropped after 30 s of silence */
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
	    30, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
	    HTTP_MAX_CONNECTIONS, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    64 * 1024, NULL };
	if (cert_pem != NULL) {
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT,
		    0, (void *)(uintptr_t)cert_pem };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY,
		    0, (void *)(uintptr_t)key_pem };
	}
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	if ((hs = calloc(1, sizeof(*hs))) == NULL)
		return NULL;
	hs->hs_web = w;
	hs->hs_routes = routes;
	hs->hs_mhd = MHD_start_daemon(flags, 0, NULL, NULL, http_access, hs,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, http_unescape, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (hs->hs_mhd == NULL) {
		free(hs);
		return NULL;
	}
	return hs;
}

void
http_stop(struct http_server *hs)
{
	int lfd;

	if ((lfd = MHD_quiesce_daemon(hs->hs_mhd)) != -1)
		close(lfd);
	usleep(100 * 1000);	/* let resumed streams end */
	MHD_stop_daemon(hs->hs_mhd);
	free(hs);
}
