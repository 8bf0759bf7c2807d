/*
 * check_http.c - HTTP and HTTPS GET checks.
 *
 * Sends GET http_path (default "/"): HTTP/1.1 with Host and
 * "Connection: close" when http_host is set, else HTTP/1.0.  The reply's
 * status must equal http_status, or be 2xx/3xx when that is 0.  When
 * expect is set, the body must contain it (a literal, or a POSIX ERE with
 * use_regex); the reply is read until that is decided, at most
 * CHECK_READ_MAX bytes.  HTTPS runs the same over TLS (check_tls.c).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "check.h"
#include "check_kind.h"

#define HTTP_STATUS_LINE_MAX	1024

/* Text that may go into a request line or header: no blanks, no controls. */
static int
http_token_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static int
http_init(struct check *c, const struct cfg_virtual *vs, char *err,
    size_t errlen)
{
	const char	*path = vs->vs_http_path != NULL ? vs->vs_http_path : "/";
	const char	*host = vs->vs_http_host;
	char		 e2[128];
	int		 n;

	if (path[0] != '/' || !http_token_ok(path)) {
		snprintf(err, errlen, "http path must start with / and have "
		    "no blanks or control characters");
		return -1;
	}
	if (host != NULL && !http_token_ok(host)) {
		snprintf(err, errlen, "http host must have no blanks or "
		    "control characters");
		return -1;
	}
	if (host != NULL)
		n = asprintf(&c->ch_send, "GET %s HTTP/1.1\r\nHost: %s\r\n"
		    "Connection: close\r\nUser-Agent: shoal-nanny\r\n\r\n",
		    path, host);
	else
		n = asprintf(&c->ch_send, "GET %s HTTP/1.0\r\n"
		    "User-Agent: shoal-nanny\r\n\r\n", path);
	if (n == -1) {
		c->ch_send = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->ch_sendlen = (size_t)n;
	c->ch_http_status = vs->vs_http_status;
	c->ch_tls = c->ch_kind == CFG_CHECK_HTTPS;
	if (c->ch_tls && host != NULL && (c->ch_sni = strdup(host)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (check_expect_compile(&c->ch_expect, vs->vs_expect,
	    vs->vs_use_regex, e2, sizeof(e2)) == -1) {
		snprintf(err, errlen, "expect: %s", e2);
		return -1;
	}
	return 0;
}

static enum check_match
http_fail(struct check *c, const char *why)
{
	char	 s[48];

	check_sample(c->ch_buf, c->ch_len, s, sizeof(s));
	snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason), "%s%s%s%s",
	    why, c->ch_len > 0 ? " \"" : "", c->ch_len > 0 ? s : "",
	    c->ch_len > 0 ? "\"" : "");
	return CHECK_MATCH_FAIL;
}

/* Parses "HTTP/1.x NNN ..." at the start of the buffer; -1 if malformed. */
static int
http_status(const char *buf, size_t linelen)
{
	int	 st = 0, i;

	if (linelen < 12 || memcmp(buf, "HTTP/", 5) != 0 ||
	    buf[6] != '.' || buf[8] != ' ')
		return -1;
	for (i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		st = st * 10 + (buf[i] - '0');
	}
	if (linelen > 12 && buf[12] != ' ' && buf[12] != '\r')
		return -1;
	return st;
}

/* Where the body starts (after the blank line), or NULL if not yet. */
static const char *
http_body(const char *buf, size_t len)
{
	const char	*p;

	if ((p = memmem(buf, len, "\r\n\r\n", 4)) != NULL)
		return p + 4;
	if ((p = memmem(buf, len, "\n\n", 2)) != NULL)
		return p + 2;
	return NULL;
}

static enum check_match
http_match_body(struct check *c, int st, int done)
{
	const struct check_expect	*e = &c->ch_expect;
	const char			*body;
	size_t				 blen;
	int				 hit;

	if ((body = http_body(c->ch_buf, c->ch_len)) == NULL)
		return done ? http_fail(c, "no end of headers") :
		    CHECK_MATCH_MORE;
	blen = c->ch_len - (size_t)(body - c->ch_buf);
	if (e->ce_any)
		hit = blen > 0;
	else if (e->ce_regex)
		hit = regexec(&e->ce_re, body, 0, NULL, 0) == 0;
	else
		hit = memmem(body, blen, e->ce_lit, e->ce_litlen) != NULL;
	if (hit) {
		snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason),
		    "HTTP status %d, body matches", st);
		return CHECK_MATCH_OK;
	}
	if (!done)
		return CHECK_MATCH_MORE;
	snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason),
	    "HTTP status %d, body does not match", st);
	return CHECK_MATCH_FAIL;
}

static enum check_match
http_match(struct check *c, int eof)
{
	const char	*nl;
	size_t		 linelen;
	int		 st, done = eof || check_buf_full(c);

	nl = c->ch_len > 0 ? memchr(c->ch_buf, '\n', c->ch_len) : NULL;
	if (nl == NULL) {
		if (c->ch_len >= HTTP_STATUS_LINE_MAX)
			return http_fail(c, "status line too long");
		if (done)
			return http_fail(c, c->ch_len == 0 ?
			    "connection closed without a reply" :
			    "no HTTP status line");
		return CHECK_MATCH_MORE;
	}
	linelen = (size_t)(nl - c->ch_buf);
	if ((st = http_status(c->ch_buf, linelen)) == -1)
		return http_fail(c, "not an HTTP reply");
	if (c->ch_http_status != 0 ? st != c->ch_http_status :
	    st < 200 || st > 399) {
		snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason),
		    "HTTP status %d", st);
		return CHECK_MATCH_FAIL;
	}
	if (!c->ch_expect.ce_set) {
		snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason),
		    "HTTP status %d", st);
		return CHECK_MATCH_OK;
	}
	return http_match_body(c, st, done);
}

const struct check_kind_ops check_http_ops = {
	.ko_name = "http",
	.ko_init = http_init,
	.ko_match = http_match,
};
