/*
 * nanny_report.c - formatting and strictly parsing nanny's report lines.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/nanny_report.h"

#define REPORT_TAG	"report"

const char *
nanny_state_name(enum nanny_state s)
{
	return s == NANNY_UP ? "up" : "down";
}

/* Appends name with %XX escapes; -1 when it does not fit or is empty. */
static int
put_name(char *buf, size_t len, size_t *off, const char *name)
{
	const unsigned char	*p;
	int			 n;

	if (name[0] == '\0')
		return -1;
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p > ' ' && *p <= '~' && *p != '%')
			n = snprintf(buf + *off, len - *off, "%c", *p);
		else
			n = snprintf(buf + *off, len - *off, "%%%02X", *p);
		if (n < 0 || (size_t)n >= len - *off)
			return -1;
		*off += (size_t)n;
	}
	return 0;
}

static int put_fmt(char *, size_t, size_t *, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static int
put_fmt(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *off)
		return -1;
	*off += (size_t)n;
	return 0;
}

static int
put_addr(char *buf, size_t len, size_t *off, const struct cfg_addr *a,
    uint16_t port)
{
	char	 s[CFG_ADDR_STRLEN];

	if (!cfg_addr_is_set(a) || cfg_addr_str(a, s, sizeof(s)) == NULL)
		return -1;
	if (a->family == AF_INET6)
		return put_fmt(buf, len, off, " [%s]:%u", s, port);
	return put_fmt(buf, len, off, " %s:%u", s, port);
}

int
nanny_report_format(const struct nanny_report *r, char *buf, size_t len)
{
	char	 reason[NANNY_REPORT_REASON_MAX + 1];
	size_t	 off = 0, i;

	if (len > NANNY_REPORT_LINE_MAX + 1)
		len = NANNY_REPORT_LINE_MAX + 1;
	if (r->nr_weight < 0 || r->nr_weight > NANNY_REPORT_WEIGHT_MAX ||
	    (r->nr_state != NANNY_UP && r->nr_state != NANNY_DOWN))
		return -1;
	for (i = 0; r->nr_reason[i] != '\0' && i < NANNY_REPORT_REASON_MAX;
	    i++) {
		unsigned char c = (unsigned char)r->nr_reason[i];

		reason[i] = c >= ' ' && c <= '~' ? (char)c : '?';
	}
	reason[i] = '\0';
	if (put_fmt(buf, len, &off, REPORT_TAG " ") == -1 ||
	    put_name(buf, len, &off, r->nr_service) == -1 ||
	    put_fmt(buf, len, &off, " ") == -1 ||
	    put_name(buf, len, &off, r->nr_server) == -1 ||
	    put_addr(buf, len, &off, &r->nr_addr, r->nr_port) == -1 ||
	    put_fmt(buf, len, &off, " %s %d %u %s\n",
	    nanny_state_name(r->nr_state), r->nr_weight, r->nr_latency_ms,
	    reason[0] != '\0' ? reason : "-") == -1)
		return -1;
	return (int)off;
}

/* A cursor over the line being parsed. */
struct cur {
	const char	*c_p;
	const char	*c_end;
	char		*c_err;
	size_t		 c_errlen;
};

static int __attribute__((format(printf, 2, 3)))
cur_fail(struct cur *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(c->c_err, c->c_errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The next field up to one space (fields are separated by exactly one). */
static int
cur_field(struct cur *c, const char **start, size_t *flen, const char *what)
{
	const char	*p = c->c_p;

	while (p < c->c_end && *p != ' ')
		p++;
	if (p == c->c_p)
		return cur_fail(c, "empty %s", what);
	*start = c->c_p;
	*flen = (size_t)(p - c->c_p);
	if (p == c->c_end)
		return cur_fail(c, "line ends after %s", what);
	c->c_p = p + 1;
	return 0;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Decodes a %XX-escaped name into out[CFG_NAME_MAX + 1]. */
static int
get_name(struct cur *c, char *out, const char *what)
{
	const char	*s;
	size_t		 n, i, o = 0;

	if (cur_field(c, &s, &n, what) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];

		if (ch <= ' ' || ch > '~')
			return cur_fail(c, "bad byte in %s", what);
		if (ch == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return cur_fail(c, "bad escape in %s", what);
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return cur_fail(c, "bad escape in %s", what);
			ch = hi * 16 + lo;
			i += 2;
		}
		if (o >= CFG_NAME_MAX)
			return cur_fail(c, "%s too long", what);
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return 0;
}

/* A decimal number without sign or leading zeros, at most max. */
static int
parse_uint(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long	 v = 0;
	size_t		 i;

	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int
get_addr(struct cur *c, struct nanny_report *r)
{
	char		 a[CFG_ADDR_STRLEN + 1];
	const char	*s, *colon, *host;
	size_t		 n, hlen;
	unsigned long	 port;

	if (cur_field(c, &s, &n, "address") == -1)
		return -1;
	if ((colon = memrchr(s, ':', n)) == NULL)
		return cur_fail(c, "%s lacks :port", "address");
	host = s;
	hlen = (size_t)(colon - s);
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
		if (memchr(host, ':', hlen) == NULL)
			return cur_fail(c, "bad %s", "address");
	} else if (memchr(host, ':', hlen) != NULL)
		return cur_fail(c, "unbracketed IPv6 %s", "address");
	if (hlen == 0 || hlen >= sizeof(a))
		return cur_fail(c, "bad %s", "address");
	memcpy(a, host, hlen);
	a[hlen] = '\0';
	if (cfg_addr_parse(&r->nr_addr, a) == -1)
		return cur_fail(c, "bad %s", "address");
	/* port 0: a check without one (ICMP echo, a program) of no real
	 * server, as tracked checks have; a real server has a port */
	if (parse_uint(colon + 1, (size_t)(s + n - colon - 1), 65535,
	    &port) == -1 || (port == 0 &&
	    strcmp(r->nr_server, NANNY_REPORT_NO_SERVER) != 0))
		return cur_fail(c, "bad %s", "port");
	r->nr_port = (uint16_t)port;
	return 0;
}

static int
get_uint(struct cur *c, unsigned long max, unsigned long *v, const char *what)
{
	const char	*s;
	size_t		 n;

	if (cur_field(c, &s, &n, what) == -1)
		return -1;
	if (parse_uint(s, n, max, v) == -1)
		return cur_fail(c, "bad %s", what);
	return 0;
}

static int
get_state(struct cur *c, struct nanny_report *r)
{
	const char	*s;
	size_t		 n;

	if (cur_field(c, &s, &n, "state") == -1)
		return -1;
	if (n == 2 && memcmp(s, "up", 2) == 0)
		r->nr_state = NANNY_UP;
	else if (n == 4 && memcmp(s, "down", 4) == 0)
		r->nr_state = NANNY_DOWN;
	else
		return cur_fail(c, "bad %s", "state");
	return 0;
}

/* The rest of the line: 1..NANNY_REPORT_REASON_MAX printable bytes. */
static int
get_reason(struct cur *c, struct nanny_report *r)
{
	size_t	 n = (size_t)(c->c_end - c->c_p), i;

	if (n == 0)
		return cur_fail(c, "empty %s", "reason");
	if (n > NANNY_REPORT_REASON_MAX)
		return cur_fail(c, "%s too long", "reason");
	for (i = 0; i < n; i++)
		if (c->c_p[i] < ' ' || c->c_p[i] > '~')
			return cur_fail(c, "bad byte in %s", "reason");
	memcpy(r->nr_reason, c->c_p, n);
	r->nr_reason[n] = '\0';
	return 0;
}

int
nanny_report_parse(const char *line, size_t len, struct nanny_report *r,
    char *err, size_t errlen)
{
	struct cur	 c = { line, line + len, err, errlen };
	unsigned long	 v;
	size_t		 taglen = sizeof(REPORT_TAG " ") - 1;

	memset(r, 0, sizeof(*r));
	if (len > 0 && line[len - 1] == '\n')
		c.c_end--;
	if (len > NANNY_REPORT_LINE_MAX)
		return cur_fail(&c, "%s", "line too long");
	if ((size_t)(c.c_end - c.c_p) < taglen ||
	    memcmp(c.c_p, REPORT_TAG " ", taglen) != 0)
		return cur_fail(&c, "%s", "not a report line");
	c.c_p += taglen;
	if (get_name(&c, r->nr_service, "service") == -1 ||
	    get_name(&c, r->nr_server, "server") == -1 ||
	    get_addr(&c, r) == -1 || get_state(&c, r) == -1)
		return -1;
	if (get_uint(&c, NANNY_REPORT_WEIGHT_MAX, &v, "weight") == -1)
		return -1;
	r->nr_weight = (int)v;
	if (get_uint(&c, UINT32_MAX, &v, "latency") == -1)
		return -1;
	r->nr_latency_ms = (uint32_t)v;
	return get_reason(&c, r);
}
