/*
 * lvscf_read.c - lvs.cf text into a configuration.
 *
 * Line by line over the lexer: a line is a statement (`key = value`), a
 * block header (`virtual NAME {`, `server NAME {`, `failover NAME {`,
 * `node NAME {`) or a lone `}`.  Keys are looked up in the block's keyword
 * table, which gives the value's type and where it goes.  Every error is
 * reported with its position and the reader carries on with the next line
 * (a block whose header is broken is skipped whole), so one run lists every
 * problem.  When the syntax is clean the whole config is validated.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/lvscf.h"
#include "config/config_keys.h"
#include "config/lvscf_lex.h"
#include "config/validate.h"
#include "lib/diag.h"
#include "lib/util.h"

struct reader {
	const char		*r_file;
	struct lvscf_lex	*r_lex;
	struct diag		*r_diag;
	struct shoal_config	*r_cfg;
	int			 r_items;	/* statements and blocks read */
};

/* A value token after `key =`: text and column. */
struct rval {
	const char	*v_text;
	int		 v_col;
};

#define MAX_VALS	2

/* The block being read: its table, model struct, kept list and map. */
struct rblock {
	enum ck_block	 b_kind;
	const struct ck_field	*b_table;
	void			*b_obj;
	struct cfg_kept_list	*b_kept;
	struct cfg_srcmap	*b_src;
	struct cfg_virtual	*b_vs;		/* virtual/failover being read */
	/* per table entry: the family a mask was written in, 0 = a prefix */
	unsigned char		 b_maskfam[CK_ROWS_MAX];
};

/* Service names a port may be given as (a fixed table: no NSS lookups). */
static const struct {
	const char	*name;
	uint16_t	 port;
} services[] = {
	{ "ftp-data", 20 }, { "ftp", 21 }, { "ssh", 22 }, { "telnet", 23 },
	{ "smtp", 25 }, { "domain", 53 }, { "dns", 53 }, { "tftp", 69 },
	{ "gopher", 70 }, { "finger", 79 }, { "http", 80 }, { "www", 80 },
	{ "pop3", 110 }, { "sunrpc", 111 }, { "nntp", 119 }, { "ntp", 123 },
	{ "imap", 143 }, { "imap2", 143 }, { "snmp", 161 }, { "ldap", 389 },
	{ "https", 443 }, { "smtps", 465 }, { "syslog", 514 },
	{ "submission", 587 }, { "ldaps", 636 }, { "rsync", 873 },
	{ "imaps", 993 }, { "pop3s", 995 }, { "ms-sql-s", 1433 },
	{ "openvpn", 1194 }, { "nfs", 2049 }, { "mysql", 3306 },
	{ "rdp", 3389 }, { "ms-wbt-server", 3389 }, { "sip", 5060 },
	{ "postgresql", 5432 }, { "postgres", 5432 }, { "redis", 6379 },
	{ "http-alt", 8080 }, { "webcache", 8080 }, { "memcache", 11211 },
	{ "pulse", 539 }, { "apertus-ldp", 539 },
};

static void
rerr(struct reader *r, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
rerr(struct reader *r, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	diag_add(r->r_diag, DIAG_ERROR, r->r_file, line, col, NULL, "%s",
	    msg != NULL ? msg : "out of memory");
	free(msg);
}

static int
tok_is(const struct lvscf_tok *t, const char *s)
{
	return t->t_quote == 0 && strcmp(t->t_text, s) == 0;
}

/* ---- values ---- */

/* A C-notation integer (0x10, 010, -5) filling the whole text. */
static int
parse_int(const char *s, long long *out)
{
	char *end;

	/* strtoll would skip leading blanks: a quoted " 5" is not a number */
	if (!(s[0] >= '0' && s[0] <= '9') && s[0] != '-' && s[0] != '+')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

/*
 * Seconds as a C integer ("6", "010") or a decimal with at most three
 * decimals ("0.25"), into milliseconds.
 */
static int
parse_ms(const char *s, uint32_t *out)
{
	unsigned long long sec = 0, frac = 0;
	long long v;
	const char *p;
	int nd = 0;

	if (strchr(s, '.') == NULL) {
		if (parse_int(s, &v) == -1 || v < 0 || v > UINT32_MAX / 1000)
			return -1;
		*out = (uint32_t)v * 1000;
		return 0;
	}
	for (p = s; *p >= '0' && *p <= '9'; p++)
		if ((sec = sec * 10 + (unsigned)(*p - '0')) > UINT32_MAX / 1000)
			return -1;
	if (p == s || *p++ != '.')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++, nd++)
		if (nd < 3)
			frac = frac * 10 + (unsigned)(*p - '0');
		else if (*p != '0')
			return -1;	/* finer than a millisecond */
	if (*p != '\0' || nd == 0)
		return -1;
	for (; nd < 3; nd++)
		frac *= 10;
	if (sec * 1000 + frac > UINT32_MAX)
		return -1;
	*out = (uint32_t)(sec * 1000 + frac);
	return 0;
}

static int
parse_port(const char *s, long long *out)
{
	size_t i;

	if (parse_int(s, out) == 0)
		return 0;
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (strcmp(s, services[i].name) == 0) {
			*out = services[i].port;
			return 0;
		}
	return -1;
}

/* Number of leading one bits of a contiguous mask, or -1. */
static int
mask_prefix(const unsigned char *b, size_t n)
{
	size_t i;
	int bits = 0, seen_zero = 0, j;

	for (i = 0; i < n; i++)
		for (j = 7; j >= 0; j--) {
			if (b[i] & (1 << j)) {
				if (seen_zero)
					return -1;
				bits++;
			} else
				seen_zero = 1;
		}
	return bits;
}

/* Dotted IPv4 mask, IPv6 mask, or a prefix length ("24", "/64"). */
static int
parse_mask(const char *s, int *out)
{
	struct in_addr a4;
	struct in6_addr a6;
	long long v;

	if (inet_pton(AF_INET, s, &a4) == 1)
		*out = mask_prefix((const unsigned char *)&a4, sizeof(a4));
	else if (inet_pton(AF_INET6, s, &a6) == 1)
		*out = mask_prefix(a6.s6_addr, sizeof(a6.s6_addr));
	else {
		if (*s == '/')
			s++;
		if (*s < '0' || *s > '9' || parse_int(s, &v) == -1 ||
		    v < 0 || v > 128)
			return -1;
		*out = (int)v;
	}
	return *out < 0 ? -1 : 0;
}

#define FIELD(obj, off, type)	((type *)(void *)((char *)(obj) + (off)))

/* Checks v against k's range; reports and returns -1 when it does not fit. */
static int
check_range(struct reader *r, const struct ck_field *k,
    const struct rval *val, int line, long long v)
{
	char buf[96];
	const char *e;

	if ((e = ck_range_error(k, (int64_t)v, buf, sizeof(buf))) == NULL)
		return 0;
	rerr(r, line, val->v_col, "invalid argument for %s: %s", k->f_key, e);
	return -1;
}

static void
enum_choices(const struct ck_field *k, char *buf, size_t len)
{
	const char *n;
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; (n = k->f_enum->e_name(i)) != NULL && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i ? " " : "", n);
}

static int
set_enum(struct reader *r, const struct ck_field *k, void *obj,
    const struct rval *val, int line)
{
	char choices[128];
	int e;

	if ((e = k->f_enum->e_value(val->v_text)) == -1) {
		enum_choices(k, choices, sizeof(choices));
		rerr(r, line, val->v_col, "invalid argument for %s: '%s' "
		    "(expected one of: %s)", k->f_key, val->v_text, choices);
		return -1;
	}
	if (obj != NULL)
		ck_set_number(k, obj, e);
	return 0;
}

static int
set_integer(struct reader *r, const struct ck_field *k, void *obj,
    const struct rval *val, int line)
{
	long long v;

	if (parse_int(val->v_text, &v) == -1) {
		rerr(r, line, val->v_col, "integer expected");
		return -1;
	}
	if (check_range(r, k, val, line, v) == -1)
		return -1;
	/* the ranges keep every value within its storage type */
	if (obj != NULL)
		ck_set_number(k, obj, v);
	return 0;
}

static int
set_addr(struct reader *r, const struct ck_field *k, void *obj,
    const struct rval *vals, int nvals, int line)
{
	struct cfg_addr a;

	if (cfg_addr_parse(&a, vals[0].v_text) == -1) {
		rerr(r, line, vals[0].v_col,
		    "invalid host name or ip address");
		return -1;
	}
	if (nvals > 1 && strlen(vals[1].v_text) > CFG_IFNAME_MAX) {
		rerr(r, line, vals[1].v_col, "invalid argument for %s: "
		    "device name longer than %d bytes", k->f_key,
		    CFG_IFNAME_MAX);
		return -1;
	}
	if (obj == NULL)
		return 0;
	ck_set_addr(k, obj, &a);
	if (k->f_type == CK_ADDR_DEV &&
	    str_set(FIELD(obj, k->f_off2, char *),
	    nvals > 1 ? vals[1].v_text : NULL) == -1)
		return -1;
	return 0;
}

/*
 * Converts and stores one key's values into obj (NULL: check only, for
 * kept keys).  Returns 0, or -1 after reporting.
 */
static int
set_value(struct reader *r, const struct ck_field *k, void *obj,
    const struct rval *vals, int nvals, int line)
{
	const struct rval *v = &vals[0];
	long long n;
	uint32_t ms;
	int m;

	switch (k->f_type) {
	case CK_BOOL:
		if (parse_int(v->v_text, &n) == -1 || (n != 0 && n != 1)) {
			rerr(r, line, v->v_col, "boolean expected");
			return -1;
		}
		if (obj != NULL)
			ck_set_number(k, obj, n);
		return 0;
	case CK_INT:
	case CK_U32:
	case CK_U64:
	case CK_SECS:
		return set_integer(r, k, obj, v, line);
	case CK_MS:
		if (parse_ms(v->v_text, &ms) == -1) {
			rerr(r, line, v->v_col, "invalid argument for %s: "
			    "seconds expected (at most 3 decimals)", k->f_key);
			return -1;
		}
		if (check_range(r, k, v, line, ms) == -1)
			return -1;
		if (obj != NULL)
			ck_set_number(k, obj, ms);
		return 0;
	case CK_PORT:
		if (parse_port(v->v_text, &n) == -1) {
			rerr(r, line, v->v_col, "invalid argument for %s: "
			    "unknown service name '%s'", k->f_key, v->v_text);
			return -1;
		}
		if (check_range(r, k, v, line, n) == -1)
			return -1;
		if (obj != NULL)
			ck_set_number(k, obj, n);
		return 0;
	case CK_ADDR:
	case CK_ADDR_DEV:
		return set_addr(r, k, obj, vals, nvals, line);
	case CK_MASK:
		if (parse_mask(v->v_text, &m) == -1) {
			rerr(r, line, v->v_col, "Bad subnet mask specified");
			return -1;
		}
		if (obj != NULL)
			ck_set_number(k, obj, m);
		return 0;
	case CK_ENUM:
		return set_enum(r, k, obj, v, line);
	case CK_STR:
		if (obj != NULL && ck_set_string(k, obj, v->v_text) == -1)
			return -1;
		return 0;
	default:	/* CK_NAME, CK_END: no key of their own */
		return -1;
	}
}

/* A kept key: last value wins, kept in file order of its last use. */
static int
keep_value(struct reader *r, struct rblock *b, const struct ck_field *k,
    const struct rval *v, int line)
{
	struct cfg_kept *kp;

	if (set_value(r, k, NULL, v, 1, line) == -1)
		return -1;
	TAILQ_FOREACH(kp, b->b_kept, k_entry)
		if (strcmp(kp->k_key, k->f_key) == 0) {
			TAILQ_REMOVE(b->b_kept, kp, k_entry);
			free(kp->k_key);
			free(kp->k_value);
			free(kp);
			break;
		}
	if (cfg_kept_add(b->b_kept, k->f_key, v->v_text) == -1)
		return -1;
	diag_add(r->r_diag, DIAG_WARNING, r->r_file, line, v->v_col, NULL,
	    "%s: kept but not used by shoal", k->f_key);
	return 0;
}

/* ---- statements ---- */

/*
 * Splits `key = v1 [v2]` (also `key=v1`, `key= v1`, `key =v1`, a shoal
 * extension) into key and values.  Returns the number of values (may be
 * more than MAX_VALS: only the first MAX_VALS + 1 are filled), or -1 when
 * the '=' is missing.
 */
static int
split_stmt(const struct lvscf_line *l, char *key,
    size_t keylen, struct rval *vals)
{
	const struct lvscf_tok *t0 = &l->l_tok[0];
	const char *eq = t0->t_quote ? NULL : strchr(t0->t_text, '=');
	int i = 1, n = 0, ntok = l->l_ntok;

	if (ntok > LVSCF_LEX_MAXTOK)
		ntok = LVSCF_LEX_MAXTOK;
	if (eq != NULL && eq != t0->t_text) {
		snprintf(key, keylen, "%.*s", (int)(eq - t0->t_text),
		    t0->t_text);
		if (eq[1] != '\0') {
			vals[n].v_text = eq + 1;
			vals[n++].v_col = t0->t_col + (int)(eq - t0->t_text) + 1;
		}
	} else {
		snprintf(key, keylen, "%s", t0->t_text);
		if (ntok < 2 || l->l_tok[1].t_quote ||
		    l->l_tok[1].t_text[0] != '=')
			return -1;
		if (l->l_tok[1].t_text[1] != '\0') {
			vals[n].v_text = l->l_tok[1].t_text + 1;
			vals[n++].v_col = l->l_tok[1].t_col + 1;
		}
		i = 2;
	}
	for (; i < ntok; i++, n++)
		if (n <= MAX_VALS) {
			vals[n].v_text = l->l_tok[i].t_text;
			vals[n].v_col = l->l_tok[i].t_col;
		}
	return n + (l->l_ntok - ntok);
}

/* Column just past the last token of a line (for "missing" errors). */
static int
end_col(const struct lvscf_line *l)
{
	int n = l->l_ntok < LVSCF_LEX_MAXTOK ? l->l_ntok : LVSCF_LEX_MAXTOK;
	const struct lvscf_tok *t = &l->l_tok[n - 1];

	return t->t_col + (int)t->t_len + (t->t_quote ? 2 : 0);
}

static void
read_stmt(struct reader *r, struct rblock *b, const struct lvscf_line *l)
{
	const struct lvscf_tok *t0 = &l->l_tok[0];
	struct rval vals[MAX_VALS + 1];
	const struct ck_field *k;
	char key[64];
	int n, max;

	r->r_items++;
	n = split_stmt(l, key, sizeof(key), vals);
	if ((k = ck_find(b->b_table, key)) == NULL) {
		rerr(r, l->l_line, t0->t_col, "unknown command");
		return;
	}
	if (k->f_flags & CK_FAILOVER_ONLY) {
		rerr(r, l->l_line, t0->t_col, "invalid argument: %s is only "
		    "valid in a failover block", k->f_key);
		return;
	}
	if (n == -1) {
		rerr(r, l->l_line, l->l_ntok > 1 ? l->l_tok[1].t_col :
		    end_col(l), "equal (=) expected after command");
		return;
	}
	max = k->f_type == CK_ADDR_DEV ? 2 : 1;
	if (n == 0) {
		rerr(r, l->l_line, end_col(l), "missing arguments");
		return;
	}
	if (n > max) {
		rerr(r, l->l_line, vals[max].v_col, "unexpected arguments");
		return;
	}
	if (k->f_flags & CK_KEPT) {
		if (keep_value(r, b, k, vals, l->l_line) == -1)
			return;
	} else if (set_value(r, k, b->b_obj, vals, n, l->l_line) == -1)
		return;
	if (k->f_type == CK_MASK && k - b->b_table < CK_ROWS_MAX)
		b->b_maskfam[k - b->b_table] = strchr(vals[0].v_text, ':') ?
		    AF_INET6 : strchr(vals[0].v_text, '.') ? AF_INET : 0;
	if (cfg_srcmap_add(b->b_src, k->f_key, l->l_line, vals[0].v_col) == -1)
		rerr(r, l->l_line, t0->t_col, "out of memory");
}

/* ---- blocks ---- */

/*
 * At a block's end, when its address is known: a mask written as an
 * address must be of the address's family (a dotted mask for an IPv6
 * VIP is a mistake, not a prefix length).
 */
static void
check_mask_families(struct reader *r, const struct rblock *b)
{
	const struct cfg_addr *a;
	const struct cfg_keypos *kp;
	const struct ck_field *k;

	for (k = b->b_table; k->f_type != CK_END; k++) {
		if (k->f_type != CK_MASK || k - b->b_table >= CK_ROWS_MAX ||
		    b->b_maskfam[k - b->b_table] == 0)
			continue;
		a = FIELD(b->b_obj, k->f_off2, const struct cfg_addr);
		if (!cfg_addr_is_set(a) ||
		    a->family == b->b_maskfam[k - b->b_table])
			continue;
		kp = cfg_srcmap_find(b->b_src, k->f_key);
		rerr(r, kp->kp_line, kp->kp_col, "Bad subnet mask specified");
	}
}

static void read_block(struct reader *, struct rblock *);

/* Skips the rest of a block whose header was bad, nested blocks too. */
static void
skip_block(struct reader *r)
{
	const struct lvscf_line *l;
	int depth = 1, n;

	while (depth > 0 && lvscf_lex_next(r->r_lex, &l)) {
		if (l->l_bad)
			continue;
		n = l->l_ntok < LVSCF_LEX_MAXTOK ? l->l_ntok : LVSCF_LEX_MAXTOK;
		if (tok_is(&l->l_tok[0], "}"))
			depth--;
		else if (n > 1 && tok_is(&l->l_tok[n - 1], "{"))
			depth++;
	}
}

/* A block header starts with a block keyword not followed by '='. */
static int
is_header(const struct lvscf_line *l)
{
	const struct lvscf_tok *t = &l->l_tok[0];

	if (!tok_is(t, "virtual") && !tok_is(t, "failover") &&
	    !tok_is(t, "node") && !tok_is(t, "server") &&
	    !tok_is(t, "track"))
		return 0;
	return l->l_ntok == 1 || l->l_tok[1].t_quote != 0 ||
	    l->l_tok[1].t_text[0] != '=';
}

/*
 * Checks a header `KW NAME {`.  Returns 0 when good, -1 when bad (reported);
 * *opens says whether the line opened a block (to skip it when bad).
 */
static int
check_header(struct reader *r, const struct lvscf_line *l, int *opens)
{
	int n = l->l_ntok;

	*opens = n >= 2 && n <= LVSCF_LEX_MAXTOK &&
	    tok_is(&l->l_tok[n - 1], "{");
	if (n < 3 || !*opens) {
		rerr(r, l->l_line, end_col(l), "missing arguments");
		return -1;
	}
	if (n > 3) {
		rerr(r, l->l_line, l->l_tok[2].t_col, "unexpected arguments");
		return -1;
	}
	if (l->l_tok[1].t_len == 0 || l->l_tok[1].t_len > CFG_NAME_MAX) {
		rerr(r, l->l_line, l->l_tok[1].t_col, "invalid argument: a "
		    "name has 1 to %d characters", CFG_NAME_MAX);
		return -1;
	}
	return 0;
}

static void
read_server(struct reader *r, struct cfg_virtual *vs,
    const struct lvscf_line *l)
{
	struct rblock b = { .b_kind = CK_SERVER,
	    .b_table = ck_server, .b_vs = vs };
	struct cfg_server *rs;

	/* the default port is the virtual's port where the block starts */
	if ((rs = cfg_server_new(l->l_tok[1].t_text, vs->vs_port)) == NULL ||
	    (rs->rs_src = cfg_srcmap_new(l->l_line, l->l_tok[0].t_col)) ==
	    NULL) {
		cfg_server_free(rs);
		rerr(r, l->l_line, l->l_tok[0].t_col, "out of memory");
		skip_block(r);
		return;
	}
	TAILQ_INSERT_TAIL(&vs->vs_servers, rs, rs_entry);
	b.b_obj = rs;
	b.b_kept = &rs->rs_kept;
	b.b_src = rs->rs_src;
	read_block(r, &b);
}

static void
read_virtual(struct reader *r, enum cfg_vs_kind kind,
    const struct lvscf_line *l)
{
	struct rblock b = { .b_kind = CK_VIRTUAL };
	struct cfg_virtual *vs;
	int fo = kind == CFG_VS_FAILOVER;

	if ((vs = cfg_virtual_new(kind, l->l_tok[1].t_text)) == NULL ||
	    (vs->vs_src = cfg_srcmap_new(l->l_line, l->l_tok[0].t_col)) ==
	    NULL) {
		cfg_virtual_free(vs);
		rerr(r, l->l_line, l->l_tok[0].t_col, "out of memory");
		skip_block(r);
		return;
	}
	TAILQ_INSERT_TAIL(fo ? &r->r_cfg->c_failovers : &r->r_cfg->c_virtuals,
	    vs, vs_entry);
	b.b_kind = fo ? CK_FAILOVER : CK_VIRTUAL;
	b.b_table = fo ? ck_failover : ck_virtual;
	b.b_obj = vs;
	b.b_kept = &vs->vs_kept;
	b.b_src = vs->vs_src;
	b.b_vs = vs;
	read_block(r, &b);
}

static void
read_node(struct reader *r, const struct lvscf_line *l)
{
	struct rblock b = { .b_kind = CK_NODE,
	    .b_table = ck_node };
	struct cfg_kept_list none = TAILQ_HEAD_INITIALIZER(none);
	struct cfg_node *n;

	if ((n = cfg_node_new(l->l_tok[1].t_text)) == NULL ||
	    (n->n_src = cfg_srcmap_new(l->l_line, l->l_tok[0].t_col)) ==
	    NULL) {
		cfg_node_free(n);
		rerr(r, l->l_line, l->l_tok[0].t_col, "out of memory");
		skip_block(r);
		return;
	}
	TAILQ_INSERT_TAIL(&r->r_cfg->c_nodes, n, n_entry);
	b.b_obj = n;
	b.b_kept = &none;	/* the node table has no kept keys */
	b.b_src = n->n_src;
	read_block(r, &b);
}

static void
read_track(struct reader *r, const struct lvscf_line *l)
{
	struct rblock b = { .b_kind = CK_TRACK,
	    .b_table = ck_track };
	struct cfg_kept_list none = TAILQ_HEAD_INITIALIZER(none);
	struct cfg_track *t;

	if ((t = cfg_track_new(l->l_tok[1].t_text)) == NULL ||
	    (t->t_src = cfg_srcmap_new(l->l_line, l->l_tok[0].t_col)) ==
	    NULL) {
		cfg_track_free(t);
		rerr(r, l->l_line, l->l_tok[0].t_col, "out of memory");
		skip_block(r);
		return;
	}
	TAILQ_INSERT_TAIL(&r->r_cfg->c_tracks, t, t_entry);
	b.b_obj = t;
	b.b_kept = &none;	/* the track table has no kept keys */
	b.b_src = t->t_src;
	read_block(r, &b);
}

/*
 * A block header line inside block b (NULL: top level).  Opens the block
 * when it is allowed there, else reports and skips it.
 */
static void
read_header(struct reader *r, const struct rblock *b,
    const struct lvscf_line *l)
{
	const struct lvscf_tok *kw = &l->l_tok[0];
	int opens;

	r->r_items++;
	if (check_header(r, l, &opens) == -1) {
		if (opens)
			skip_block(r);
		return;
	}
	if (tok_is(kw, "server") && b != NULL && b->b_kind == CK_VIRTUAL)
		read_server(r, b->b_vs, l);
	else if (b != NULL || tok_is(kw, "server")) {
		rerr(r, l->l_line, kw->t_col, "invalid argument: a %s block "
		    "cannot be inside %s", kw->t_text, b == NULL ? "the top "
		    "level" : b->b_kind == CK_FAILOVER ? "a failover block" :
		    b->b_kind == CK_NODE ? "a node block" :
		    b->b_kind == CK_TRACK ? "a track block" :
		    b->b_kind == CK_SERVER ? "a server block" :
		    "a virtual block");
		skip_block(r);
	} else if (tok_is(kw, "virtual"))
		read_virtual(r, CFG_VS_VIRTUAL, l);
	else if (tok_is(kw, "failover"))
		read_virtual(r, CFG_VS_FAILOVER, l);
	else if (tok_is(kw, "track"))
		read_track(r, l);
	else
		read_node(r, l);
}

/* Reads statements and nested blocks up to the block's closing '}'. */
static void
read_block(struct reader *r, struct rblock *b)
{
	const struct lvscf_line *l;
	int eline, ecol;

	while (lvscf_lex_next(r->r_lex, &l)) {
		if (l->l_bad)
			continue;
		if (tok_is(&l->l_tok[0], "}")) {
			if (l->l_ntok > 1)
				rerr(r, l->l_line, l->l_tok[1].t_col,
				    "unexpected arguments");
			check_mask_families(r, b);
			return;
		}
		if (is_header(l))
			read_header(r, b, l);
		else
			read_stmt(r, b, l);
	}
	lvscf_lex_eof(r->r_lex, &eline, &ecol);
	rerr(r, eline, ecol, "unexpected end of file");
}

static void
read_top(struct reader *r)
{
	struct rblock g = { .b_kind = CK_GLOBAL,
	    .b_table = ck_global };
	const struct lvscf_line *l;

	g.b_obj = &r->r_cfg->c_global;
	g.b_kept = &r->r_cfg->c_global.g_kept;
	g.b_src = r->r_cfg->c_global.g_src;
	while (lvscf_lex_next(r->r_lex, &l)) {
		if (l->l_bad) {
			r->r_items++;
			continue;
		}
		if (tok_is(&l->l_tok[0], "}")) {
			r->r_items++;
			rerr(r, l->l_line, l->l_tok[0].t_col,
			    "unexpected arguments: '}' without a block");
		} else if (is_header(l))
			read_header(r, NULL, l);
		else
			read_stmt(r, &g, l);
	}
	check_mask_families(r, &g);
}

int
lvscf_read_buf(const char *name, const char *buf, size_t len,
    struct shoal_config **out, struct diag *d)
{
	struct reader r;
	int errors = diag_errors(d);

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.r_file = name;
	r.r_diag = d;
	if (len > LVSCF_MAX_SIZE) {
		diag_add(d, DIAG_ERROR, name, 0, 0, NULL, "file too large "
		    "(%zu bytes, at most %u)", len, LVSCF_MAX_SIZE);
		return -1;
	}
	if ((r.r_cfg = config_new()) == NULL ||
	    (r.r_cfg->c_global.g_src = cfg_srcmap_new(1, 1)) == NULL ||
	    (name != NULL && (r.r_cfg->c_file = strdup(name)) == NULL) ||
	    (r.r_lex = lvscf_lex_new(name, buf, len, d)) == NULL) {
		diag_add(d, DIAG_ERROR, name, 0, 0, NULL, "out of memory");
		goto fail;
	}
	read_top(&r);
	if (r.r_items == 0)
		diag_add(d, DIAG_ERROR, name, 1, 1, NULL,
		    "Empty configuration");
	if (diag_errors(d) > errors ||
	    config_validate(r.r_cfg, d) == -1)
		goto fail;
	lvscf_lex_free(r.r_lex);
	*out = r.r_cfg;
	return 0;
fail:
	lvscf_lex_free(r.r_lex);
	config_free(r.r_cfg);
	return -1;
}

int
lvscf_read_file(const char *path, struct shoal_config **out, struct diag *d)
{
	char *buf;
	size_t len;
	int rv;

	*out = NULL;
	if ((buf = file_read_all(path, LVSCF_MAX_SIZE, &len)) == NULL) {
		if (errno == EFBIG)
			diag_add(d, DIAG_ERROR, path, 0, 0, NULL, "file too "
			    "large (more than %u bytes)", LVSCF_MAX_SIZE);
		else
			diag_add(d, DIAG_ERROR, path, 0, 0, NULL,
			    "cannot read: %s", strerror(errno));
		return -1;
	}
	rv = lvscf_read_buf(path, buf, len, out, d);
	mem_wipe(buf, len);
	free(buf);
	return rv;
}
