/*
 * check_http.c - HTTP and HTTPS GET checks.
 *
 * Sends "GET http_path HTTP/1.1" (default path "/") with Host (http_host,
 * else the address, with the port when it is not the scheme's) and
 * "Connection: close": keep-alive off, so the server closes and the
 * check ends.  The reply's status must be in one of the ranges of
 * http_status ("200-399,404"; default 200-399).  When expect is set, the
 * body must contain it (a literal, or a POSIX ERE with use_regex); the
 * reply is read until that is decided, at most CHECK_READ_MAX bytes; a
 * chunked body (HTTP/1.1) is matched decoded, so "^ok" means the body
 * starts with "ok", not with a chunk size.  HTTPS runs the same over TLS (check_tls.c) with SNI, and verifies the
 * certificate when tls_verify is set.
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"
#include "check.h"
#include "check_kind.h"
#include "check_parse.h"

#define HTTP_STATUS_LINE_MAX	1024
#define HTTP_RANGES_MAX		16

/* The status ranges a good reply may have; the kind's state. */
struct http_ranges {
	int	 hr_n;
	int	 hr_lo[HTTP_RANGES_MAX];
	int	 hr_hi[HTTP_RANGES_MAX];
};

int
check_http_ranges_parse(const char *s, int *lo, int *hi, int max)
{
	return cfg_http_status_parse(s, lo, hi, max);
}

static int
http_status_ok(const struct http_ranges *r, int st)
{
	int	 i;

	for (i = 0; i < r->hr_n; i++)
		if (st >= r->hr_lo[i] && st <= r->hr_hi[i])
			return 1;
	return 0;
}

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

/* The request: GET path HTTP/1.1, Host, no keep-alive. */
static int
http_request(struct check *c, const char *path, const char *host)
{
	char	 hostbuf[96];
	int	 n, defport = c->ch_type == CHECK_T_HTTPS ? 443 : 80;

	if (host == NULL) {
		snprintf(hostbuf, sizeof(hostbuf), "%s%s%s", strchr(c->ch_host,
		    ':') != NULL ? "[" : "", c->ch_host, strchr(c->ch_host,
		    ':') != NULL ? "]" : "");
		if (atoi(c->ch_port) != defport)
			snprintf(hostbuf + strlen(hostbuf), sizeof(hostbuf) -
			    strlen(hostbuf), ":%s", c->ch_port);
		host = hostbuf;
	}
	n = asprintf(&c->ch_send, "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Connection: close\r\nUser-Agent: shoal-nanny\r\n\r\n",
	    path, host);
	if (n == -1) {
		c->ch_send = NULL;
		return -1;
	}
	c->ch_sendlen = (size_t)n;
	return 0;
}

static int
http_init(struct check *c, const struct check_conf *cc, char *err,
    size_t errlen)
{
	const char		*path = cc->cc_http_path != NULL ?
				    cc->cc_http_path : "/";
	const char		*host = cc->cc_http_host;
	struct http_ranges	*r;
	char			 e2[128];

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
	if ((r = calloc(1, sizeof(*r))) == NULL || (c->ch_kstate = r,
	    http_request(c, path, host) == -1)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->hr_n = check_http_ranges_parse(cc->cc_http_status != NULL ?
	    cc->cc_http_status : "200-399", r->hr_lo, r->hr_hi,
	    HTTP_RANGES_MAX);
	if (r->hr_n == -1) {
		snprintf(err, errlen, "http status \"%s\": want codes or "
		    "ranges like 200-399,404", cc->cc_http_status);
		return -1;
	}
	c->ch_tls = c->ch_type == CHECK_T_HTTPS;
	if (c->ch_tls && check_tls_settings(c, cc, host, err, errlen) == -1)
		return -1;
	if (check_expect_compile(&c->ch_expect, cc->cc_expect,
	    cc->cc_use_regex, e2, sizeof(e2)) == -1) {
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

int
check_http_dechunk(const char *in, size_t len, char *out, size_t cap,
    size_t *outlen)
{
	size_t	 p = 0, size, n;
	int	 digits, h;

	*outlen = 0;
	for (;;) {
		for (size = 0, digits = 0; p < len; p++, digits++) {
			char ch = in[p];

			h = ch >= '0' && ch <= '9' ? ch - '0' :
			    ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
			    ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
			if (h < 0)
				break;
			if (digits == 8)
				return -1;	/* over 4 GB: not ours */
			size = size * 16 + (size_t)h;
		}
		if (p == len)
			return 0;
		if (digits == 0)
			return -1;
		while (p < len && in[p] != '\n')	/* chunk extensions */
			p++;
		if (p++ == len)
			return 0;
		if (size == 0)
			return 1;		/* the last chunk; trailers */
		n = len - p < size ? len - p : size;
		if (*outlen + n < cap) {
			memcpy(out + *outlen, in + p, n);
			*outlen += n;
			out[*outlen] = '\0';
		}
		if (len - p < size + 1)
			return 0;
		p += size;
		if (in[p] == '\r')
			p++;
		if (p == len)
			return 0;
		if (in[p++] != '\n')
			return -1;
	}
}

/* Whether the headers (buf up to body) say Transfer-Encoding: chunked. */
static int
http_chunked(const char *buf, const char *body)
{
	static const char	 name[] = "\ntransfer-encoding:";
	const char		*p, *eol;
	size_t			 n = sizeof(name) - 1;

	for (p = buf; p + n <= body; p++) {
		if (strncasecmp(p, name, n) != 0)
			continue;
		eol = memchr(p + n, '\n', (size_t)(body - (p + n)));
		for (p += n; eol != NULL && p + 7 <= eol; p++)
			if (strncasecmp(p, "chunked", 7) == 0)
				return 1;
		return 0;
	}
	return 0;
}

static int
http_body_hit(const struct check_expect *e, const char *body, size_t blen)
{
	if (e->ce_any)
		return blen > 0;
	if (e->ce_regex)
		return regexec(&e->ce_re, body, 0, NULL, 0) == 0;
	return memmem(body, blen, e->ce_lit, e->ce_litlen) != NULL;
}

static enum check_match
http_match_body(struct check *c, int st, int done)
{
	static char	 dec[CHECK_READ_MAX + 1];
	const char	*body;
	size_t		 blen;
	int		 rv;

	if ((body = http_body(c->ch_buf, c->ch_len)) == NULL)
		return done ? http_fail(c, "no end of headers") :
		    CHECK_MATCH_MORE;
	blen = c->ch_len - (size_t)(body - c->ch_buf);
	if (http_chunked(c->ch_buf, body)) {
		rv = check_http_dechunk(body, blen, dec, sizeof(dec), &blen);
		if (rv == -1) {
			check_reason(c, "HTTP status %d, bad chunked body", st);
			return CHECK_MATCH_FAIL;
		}
		dec[blen] = '\0';
		body = dec;
		done = done || rv == 1;
	}
	if (http_body_hit(&c->ch_expect, body, blen)) {
		check_reason(c, "HTTP status %d, body matches", st);
		return CHECK_MATCH_OK;
	}
	if (!done)
		return CHECK_MATCH_MORE;
	check_reason(c, "HTTP status %d, body does not match", st);
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
	if (!http_status_ok(c->ch_kstate, st)) {
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

static void
http_free(struct check *c)
{
	free(c->ch_kstate);
	c->ch_kstate = NULL;
}

const struct check_kind_ops check_http_ops = {
	.ko_name = "http",
	.ko_init = http_init,
	.ko_match = http_match,
	.ko_free = http_free,
};
