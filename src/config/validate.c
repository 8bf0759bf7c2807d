/*
 * validate.c - checks a whole configuration before anything commits.
 *
 * Three layers: each block's keys against its keyword table (ranges, enum
 * values, masks, strings lvs.cf can hold), each block's own rules (required
 * keys, names, devices, HTTP paths), and the rules across blocks (duplicate
 * names and services, nodes that primary/backup refer to).  Problems are
 * reported at the block's source position when the config came from
 * lvs.cf, and always with a field path ("virtual[web].port").
 */
#include "shoal-build.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_keys.h"
#include "config/dnsnames.h"
#include "config/lbcaps.h"
#include "config/validate.h"
#include "config/validate_ecmp.h"
#include "lib/diag.h"
#include "lib/exec.h"

struct vctx {
	struct diag	*v_diag;
	const char	*v_file;
};

/* A place in the config: field path prefix and source map. */
struct vblock {
	char			 p_path[CFG_NAME_MAX * 2 + 32];
	const struct cfg_srcmap	*p_src;
};

static void
vreport(struct vctx *v, enum diag_sev sev, const struct vblock *p,
    const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
vreport(struct vctx *v, enum diag_sev sev, const struct vblock *p,
    const char *key, const char *fmt, ...)
{
	const struct cfg_keypos *kp = NULL;
	char field[sizeof(p->p_path) + 40];
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (key != NULL)
		snprintf(field, sizeof(field), "%s.%s", p->p_path, key);
	else
		snprintf(field, sizeof(field), "%s", p->p_path);
	if (v->v_file != NULL && p->p_src != NULL)
		kp = cfg_srcmap_find(p->p_src, key);
	diag_add(v->v_diag, sev, kp != NULL ? v->v_file : NULL,
	    kp != NULL ? kp->kp_line : 0, kp != NULL ? kp->kp_col : 0, field,
	    "%s", msg != NULL ? msg : "out of memory");
	free(msg);
}

#define verror(v, p, key, ...)	vreport(v, DIAG_ERROR, p, key, __VA_ARGS__)
#define vwarn(v, p, key, ...)	vreport(v, DIAG_WARNING, p, key, __VA_ARGS__)

/*
 * A block name: 1-63 printable characters without blanks, quotes or the
 * characters lvs.cf and field paths give a meaning to.
 */
static int
name_ok(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > CFG_NAME_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f ||
		    strchr("\"'#={}[]/", *s) != NULL)
			return 0;
	return 1;
}

/* Sets p's path to kind[name] (or kind#index when the name is bad). */
static void
vblock_set(struct vblock *p, const char *kind, const char *name, int idx,
    const struct cfg_srcmap *src)
{
	if (name_ok(name))
		snprintf(p->p_path, sizeof(p->p_path), "%s[%s]", kind, name);
	else
		snprintf(p->p_path, sizeof(p->p_path), "%s#%d", kind, idx);
	p->p_src = src;
}

static void
check_name(struct vctx *v, const struct vblock *p, const char *name)
{
	if (!name_ok(name))
		verror(v, p, NULL, "invalid argument: a name has 1 to %d "
		    "characters and no blanks, quotes or any of #={}[]/",
		    CFG_NAME_MAX);
}

/*
 * A string lvs.cf can hold: no control characters (a newline in a field
 * let Piranha's GUI inject commands), not both quote characters (the
 * writer could not quote it), at most CFG_STR_MAX bytes.
 */
static int
check_string(struct vctx *v, const struct vblock *p, const char *key,
    const char *s)
{
	const char *c;

	if (strlen(s) > CFG_STR_MAX) {
		verror(v, p, key, "invalid argument for %s: longer than %d "
		    "bytes", key, CFG_STR_MAX);
		return -1;
	}
	for (c = s; *c != '\0'; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f) {
			verror(v, p, key, "invalid argument for %s: control "
			    "character 0x%02x in value", key,
			    (unsigned char)*c);
			return -1;
		}
	if (strchr(s, '"') != NULL && strchr(s, '\'') != NULL) {
		verror(v, p, key, "invalid argument for %s: a value cannot "
		    "hold both quote characters (\" and ')", key);
		return -1;
	}
	return 0;
}

/*
 * A command line (CK_CMD): it splits into an argv without a shell, as
 * pulse will split it, and names its program by absolute path (pulse
 * runs it with a bare PATH, and a relative path would depend on its
 * working directory).
 */
static void
check_command(struct vctx *v, const struct vblock *p, const char *key,
    const char *s)
{
	char **argv = NULL, err[160];

	if (exec_split(s, NULL, NULL, &argv, err, sizeof(err)) == -1) {
		verror(v, p, key, "invalid argument for %s: %s", key, err);
		return;
	}
	if (argv[0][0] != '/')
		verror(v, p, key, "invalid argument for %s: the program %s "
		    "must be an absolute path", key, argv[0]);
	exec_argv_free(argv);
}

static int
device_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CFG_IFNAME_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f ||
		    strchr("\"'/#={}", *s) != NULL)
			return 0;
	return 1;
}

#define FIELD(obj, off, type)	((type *)(void *)((char *)(uintptr_t)(obj) + (off)))

static void
check_addr_key(struct vctx *v, const struct vblock *p,
    const struct ck_field *k, const void *obj)
{
	const struct cfg_addr *a = ck_addr(k, obj);
	const char *dev = NULL;

	if (a->family != 0 && !cfg_addr_is_set(a))
		verror(v, p, k->f_key, "invalid host name or ip address");
	else if (!cfg_addr_is_set(a) && (k->f_flags & CK_REQUIRED))
		verror(v, p, k->f_key, "missing arguments: %s is required",
		    k->f_key);
	if (k->f_type == CK_ADDR_DEV)
		dev = *FIELD(obj, k->f_off2, char *const);
	if (dev != NULL && !device_ok(dev))
		verror(v, p, k->f_key, "invalid argument for %s: bad device "
		    "name (1 to %d characters, no blanks)", k->f_key,
		    CFG_IFNAME_MAX);
	else if (dev != NULL && !cfg_addr_is_set(a))
		verror(v, p, k->f_key, "invalid argument for %s: a device "
		    "without an address", k->f_key);
}

static void
check_number_key(struct vctx *v, const struct vblock *p,
    const struct ck_field *k, const void *obj)
{
	const struct cfg_addr *a;
	const char *e;
	char buf[96];
	int64_t n;

	if (ck_number(k, obj, &n) == -1)
		return;
	if (k->f_type == CK_ENUM) {
		if (n < 0 || n > INT32_MAX || k->f_enum->e_name((int)n) == NULL)
			verror(v, p, k->f_key, "invalid argument for %s: "
			    "unknown value %" PRId64, k->f_key, n);
	} else if (k->f_type == CK_MASK) {
		a = FIELD(obj, k->f_off2, const struct cfg_addr);
		if (n != -1 && (n < 0 || n > (a->family == AF_INET6 ?
		    128 : 32)))
			verror(v, p, k->f_key, "Bad subnet mask specified");
	} else if ((e = ck_range_error(k, n, buf, sizeof(buf))) != NULL)
		verror(v, p, k->f_key, "invalid argument for %s: %s",
		    k->f_key, e);
}

/* Every key of a block against its table; kept keys by their strings. */
static void
check_table(struct vctx *v, const struct vblock *p,
    const struct ck_field *t, const void *obj,
    const struct cfg_kept_list *kept)
{
	const struct ck_field *table = t, *k;
	const struct cfg_kept *kp;
	const char *s;

	for (; t->f_type != CK_END; t++) {
		/* names are checked by check_name, devices with addresses */
		if (t->f_key == NULL || (t->f_flags & CK_KEPT))
			continue;
		switch (t->f_type) {
		case CK_ADDR:
		case CK_ADDR_DEV:
			check_addr_key(v, p, t, obj);
			break;
		case CK_STR:
			if ((s = ck_string(t, obj)) == NULL)
				break;
			if (t->f_flags & CK_FAILOVER_ONLY)
				verror(v, p, t->f_key, "invalid argument: %s "
				    "is only valid in a failover block",
				    t->f_key);
			else if (check_string(v, p, t->f_key, s) == 0 &&
			    (t->f_flags & CK_CMD))
				check_command(v, p, t->f_key, s);
			break;
		default:
			check_number_key(v, p, t, obj);
			break;
		}
	}
	if (kept != NULL)
		TAILQ_FOREACH(kp, kept, k_entry) {
			/* only keys this block keeps can be written back */
			if (kp->k_key == NULL || kp->k_value == NULL ||
			    (k = ck_find(table, kp->k_key)) == NULL ||
			    !(k->f_flags & CK_KEPT)) {
				verror(v, p, NULL, "unknown command %s",
				    kp->k_key != NULL && name_ok(kp->k_key) ?
				    kp->k_key : "(bad key)");
				continue;
			}
			(void)check_string(v, p, kp->k_key, kp->k_value);
		}
}

/* ---- global settings and nodes ---- */

static int
addr_is_any(const struct cfg_addr *a)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	if (a->family == AF_INET)
		return a->u.v4.s_addr == 0;
	if (a->family == AF_INET6)
		return memcmp(&a->u.v6, &any6, sizeof(any6)) == 0;
	return 1;
}

static int
is_node_address(const struct shoal_config *c, const struct cfg_addr *a)
{
	const struct cfg_node *n;

	TAILQ_FOREACH(n, &c->c_nodes, n_entry)
		if (cfg_addr_equal(&n->n_address, a))
			return 1;
	return 0;
}

/* The second key of a key roll: only beside a first, and another one. */
static void
check_key_accept(struct vctx *v, const struct vblock *p,
    const struct cfg_global *g)
{
	const char *k = g->g_heartbeat_key, *k2 = g->g_heartbeat_key_accept;

	if (k2 == NULL || *k2 == '\0')
		return;
	if (k == NULL || *k == '\0')
		verror(v, p, "heartbeat_key_accept", "heartbeat_key_accept "
		    "needs heartbeat_key: a second key is only accepted beside "
		    "the key heartbeats are sent with");
	else if (strcmp(k, k2) == 0)
		vwarn(v, p, "heartbeat_key_accept", "heartbeat_key_accept is "
		    "heartbeat_key itself: remove it when the roll is over");
	else if (strlen(k2) < 16)
		vwarn(v, p, "heartbeat_key_accept", "heartbeat_key_accept is "
		    "shorter than 16 characters: easy to guess");
}

static void
check_global(struct vctx *v, const struct shoal_config *c)
{
	const struct cfg_global *g = &c->c_global;
	struct vblock p = { "global", g->g_src };
	char a[32], b[32], ab[CFG_ADDR_STRLEN];

	check_table(v, &p, ck_global, g, &g->g_kept);
	if (g->g_deadtime_ms <= g->g_keepalive_ms)
		vwarn(v, &p, "deadtime", "deadtime (%s s) should be longer "
		    "than keepalive (%s s)",
		    ck_fmt_ms(g->g_deadtime_ms, a, sizeof(a)),
		    ck_fmt_ms(g->g_keepalive_ms, b, sizeof(b)));
	if (g->g_heartbeat_key != NULL && strlen(g->g_heartbeat_key) < 16)
		vwarn(v, &p, "heartbeat_key", "heartbeat_key is shorter than "
		    "16 characters: easy to guess");
	check_key_accept(v, &p, g);
	if (TAILQ_EMPTY(&c->c_nodes)) {
		if (!cfg_addr_is_set(&g->g_primary))
			verror(v, &p, "primary", "missing arguments: primary "
			    "is required when there are no node blocks");
		return;
	}
	if (cfg_addr_is_set(&g->g_primary) &&
	    !is_node_address(c, &g->g_primary))
		verror(v, &p, "primary", "invalid host name or ip address: "
		    "primary %s is not the address of a node",
		    cfg_addr_str(&g->g_primary, ab, sizeof(ab)));
	if (cfg_addr_is_set(&g->g_backup) && !addr_is_any(&g->g_backup) &&
	    !is_node_address(c, &g->g_backup))
		verror(v, &p, "backup", "invalid host name or ip address: "
		    "backup %s is not the address of a node",
		    cfg_addr_str(&g->g_backup, ab, sizeof(ab)));
}

static void
check_nodes(struct vctx *v, const struct shoal_config *c)
{
	const struct cfg_node *n;
	struct vblock p;
	int i = 0;

	TAILQ_FOREACH(n, &c->c_nodes, n_entry) {
		vblock_set(&p, "node", n->n_name, i++, n->n_src);
		check_name(v, &p, n->n_name);
		check_table(v, &p, ck_node, n, NULL);
	}
}

/* ---- virtual servers, real servers, fail-over services ---- */

static void
check_server(struct vctx *v, const struct cfg_virtual *vs,
    const struct cfg_server *rs, int idx)
{
	struct vblock p;
	char path[CFG_NAME_MAX * 2 + 2];

	if (name_ok(vs->vs_name) && name_ok(rs->rs_name)) {
		snprintf(path, sizeof(path), "%s/%s", vs->vs_name, rs->rs_name);
		snprintf(p.p_path, sizeof(p.p_path), "server[%s]", path);
		p.p_src = rs->rs_src;
	} else
		vblock_set(&p, "server", NULL, idx, rs->rs_src);
	check_name(v, &p, rs->rs_name);
	check_table(v, &p, ck_server, rs, &rs->rs_kept);
}

/* ---- health-check settings that only some check kinds use ---- */

/* The dialogue kinds, which STARTTLS can upgrade. */
static int
kind_dialogue(enum cfg_check_kind k)
{
	return k == CFG_CHECK_SMTP || k == CFG_CHECK_POP3 ||
	    k == CFG_CHECK_IMAP || k == CFG_CHECK_FTP ||
	    k == CFG_CHECK_NNTP || k == CFG_CHECK_LDAP;
}

/* 1 when vs is checked by a DNS query (check = dns, or auto on UDP
 * port 53 without send or a program: nanny's default). */
static int
checked_by_dns(const struct cfg_virtual *vs)
{
	if (vs->vs_check == CFG_CHECK_DNS)
		return 1;
	return vs->vs_check == CFG_CHECK_AUTO &&
	    vs->vs_protocol == CFG_PROTO_UDP && vs->vs_port == 53 &&
	    vs->vs_send == NULL && vs->vs_send_program == NULL;
}

static void
check_dns_keys(struct vctx *v, const struct vblock *p,
    const struct cfg_virtual *vs)
{
	static const char *const keys[] = { "dns_name", "dns_type",
	    "dns_rcode", "dns_answer" };
	const char *vals[] = { vs->vs_dns_name, vs->vs_dns_type,
	    vs->vs_dns_rcode, vs->vs_dns_answer };
	uint32_t mask;
	int qtype;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (vals[i] != NULL && !checked_by_dns(vs)) {
			verror(v, p, keys[i], "invalid argument: %s is used "
			    "only by the dns check (check = dns)", keys[i]);
			return;
		}
	if (vs->vs_dns_name != NULL && !cfg_dns_name_ok(vs->vs_dns_name))
		verror(v, p, "dns_name", "invalid argument for dns_name: a "
		    "name has 1 to %d printable characters and no blanks",
		    CFG_DNS_NAME_MAX);
	qtype = cfg_dns_type(vs->vs_dns_type != NULL ? vs->vs_dns_type :
	    "SOA");
	if (qtype == -1)
		verror(v, p, "dns_type", "invalid argument for dns_type: "
		    "unknown type \"%s\" (A, AAAA, NS, MX, TXT, SOA, SRV, "
		    "PTR, CNAME, CAA, ANY)", vs->vs_dns_type);
	if (vs->vs_dns_rcode != NULL &&
	    cfg_dns_rcodes(vs->vs_dns_rcode, &mask) == -1)
		verror(v, p, "dns_rcode", "invalid argument for dns_rcode: "
		    "want response code names separated by commas, such as "
		    "NOERROR,NXDOMAIN");
	if (vs->vs_dns_answer != NULL && qtype != -1 &&
	    !cfg_dns_type_comparable(qtype))
		verror(v, p, "dns_answer", "invalid argument for dns_answer: "
		    "an answer of type %s cannot be compared (A, AAAA, NS, "
		    "MX, TXT, SOA, SRV, PTR)", vs->vs_dns_type);
}

static void
check_tls_keys(struct vctx *v, const struct vblock *p,
    const struct cfg_virtual *vs)
{
	enum cfg_check_kind k = vs->vs_check;
	int tls = k == CFG_CHECK_HTTPS ||
	    (kind_dialogue(k) && vs->vs_starttls);

	if (vs->vs_starttls && !kind_dialogue(k))
		verror(v, p, "starttls", "invalid argument: starttls needs "
		    "check = smtp, pop3, imap, ftp, nntp or ldap");
	else if (vs->vs_tls_verify && !tls)
		verror(v, p, "tls_verify", "invalid argument: tls_verify "
		    "needs TLS: check = https, or starttls = 1 with a "
		    "protocol check");
	else if (vs->vs_tls_name != NULL && !tls)
		verror(v, p, "tls_name", "invalid argument: tls_name needs "
		    "TLS: check = https, or starttls = 1 with a protocol "
		    "check");
	if (vs->vs_tls_ca != NULL && !vs->vs_tls_verify)
		verror(v, p, "tls_ca", "invalid argument: tls_ca is used only "
		    "with tls_verify = 1");
	else if (vs->vs_tls_ca != NULL && vs->vs_tls_ca[0] != '/')
		verror(v, p, "tls_ca", "invalid argument for tls_ca: an "
		    "absolute path is needed");
}

/* Check kinds against the service's protocol. */
static void
check_kind_proto(struct vctx *v, const struct vblock *p,
    const struct cfg_virtual *vs)
{
	enum cfg_check_kind k = vs->vs_check;

	if (k == CFG_CHECK_UDP && vs->vs_protocol != CFG_PROTO_UDP)
		verror(v, p, "check", "invalid argument: check = udp needs "
		    "protocol = udp");
	else if (k == CFG_CHECK_UDP && vs->vs_send == NULL)
		verror(v, p, "check", "invalid argument: check = udp needs "
		    "send (the datagram to send)");
	else if (vs->vs_protocol == CFG_PROTO_UDP && (kind_dialogue(k) ||
	    k == CFG_CHECK_TCP || k == CFG_CHECK_HTTP ||
	    k == CFG_CHECK_HTTPS || k == CFG_CHECK_AGENT))
		vwarn(v, p, "check", "check = %s speaks TCP to the real "
		    "servers of a UDP service", cfg_check_kind_name(k));
}

static void
check_virtual(struct vctx *v, const struct cfg_virtual *vs, int idx)
{
	const struct cfg_server *rs;
	int fo = vs->vs_kind == CFG_VS_FAILOVER;
	struct vblock p;
	int i = 0;

	vblock_set(&p, fo ? "failover" : "virtual", vs->vs_name, idx,
	    vs->vs_src);
	check_name(v, &p, vs->vs_name);
	check_table(v, &p, fo ? ck_failover : ck_virtual, vs,
	    &vs->vs_kept);
	if (vs->vs_http_path != NULL && vs->vs_http_path[0] != '/')
		verror(v, &p, "http_path", "invalid argument for http_path: "
		    "must start with '/'");
	check_kind_proto(v, &p, vs);
	check_dns_keys(v, &p, vs);
	check_tls_keys(v, &p, vs);
	if (fo && !TAILQ_EMPTY(&vs->vs_servers))
		verror(v, &p, NULL, "invalid argument: a failover service has "
		    "no real servers");
	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry)
		check_server(v, vs, rs, i++);
}

/*
 * What the kernel refuses for a load-balanced service, refused here so it
 * never reaches the kernel: a real or sorry server of the other address
 * family (only IPVS tunnels cross families, and not with the sync
 * daemon), and an IPv6 persistence netmask of 0 (IPVS takes 1..128).
 */
static void
check_lb_families(struct vctx *v, const struct shoal_config *c,
    const struct cfg_virtual *vs, int idx)
{
	const struct cfg_server *rs;
	struct vblock p;
	int af = vs->vs_address.family;
	int tunnel = c->c_global.g_network == CFG_NET_TUNNEL;

	if (!cfg_addr_is_set(&vs->vs_address))
		return;
	vblock_set(&p, "virtual", vs->vs_name, idx, vs->vs_src);
	if (af == AF_INET6 && vs->vs_pmask == 0)
		verror(v, &p, "pmask", "Bad subnet mask specified: an IPv6 "
		    "virtual server takes a prefix of 1 to 128");
	if (cfg_addr_is_set(&vs->vs_sorry_server) && !tunnel &&
	    vs->vs_sorry_server.family != af)
		verror(v, &p, "sorry_server", "invalid argument for "
		    "sorry_server: not of the virtual server's address family "
		    "(only network = tunnel crosses families)");
	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry) {
		if (!cfg_addr_is_set(&rs->rs_address) ||
		    rs->rs_address.family == af ||
		    (tunnel && !c->c_global.g_syncdaemon))
			continue;
		snprintf(p.p_path, sizeof(p.p_path), "server[%s/%s]",
		    vs->vs_name, rs->rs_name);
		p.p_src = rs->rs_src;
		if (tunnel)
			verror(v, &p, "address", "invalid argument for address: "
			    "a real server of another address family cannot "
			    "be used with syncdaemon = 1 (IPVS cannot sync its "
			    "connections)");
		else
			verror(v, &p, "address", "invalid argument for address: "
			    "an %s real server in an %s virtual server (only "
			    "network = tunnel crosses families)",
			    af == AF_INET ? "IPv6" : "IPv4",
			    af == AF_INET ? "IPv4" : "IPv6");
	}
}

/* ---- duplicates ---- */

struct dup {
	char			*d_key;
	int			 d_idx;
	struct vblock		 d_where;
	const char		*d_keyname;	/* key to point at, or NULL */
};

static int
dup_cmp(const void *a, const void *b)
{
	const struct dup *x = a, *y = b;
	int r;

	if ((r = strcmp(x->d_key, y->d_key)) != 0)
		return r;
	return x->d_idx < y->d_idx ? -1 : x->d_idx > y->d_idx;
}

/* A list of keys to find repeats in (sorting keeps big configs fast). */
struct duplist {
	struct dup	*l_items;
	size_t		 l_n;
	size_t		 l_cap;
	int		 l_oom;
};

static void
dup_add(struct duplist *l, const struct vblock *where, const char *keyname,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
dup_add(struct duplist *l, const struct vblock *where, const char *keyname,
    const char *fmt, ...)
{
	struct dup *d;
	va_list ap;
	size_t ncap;

	if (l->l_n == l->l_cap) {
		ncap = l->l_cap ? l->l_cap * 2 : 16;
		if ((d = reallocarray(l->l_items, ncap, sizeof(*d))) == NULL) {
			l->l_oom = 1;
			return;
		}
		l->l_items = d;
		l->l_cap = ncap;
	}
	d = &l->l_items[l->l_n];
	va_start(ap, fmt);
	if (vasprintf(&d->d_key, fmt, ap) == -1) {
		va_end(ap);
		l->l_oom = 1;
		return;
	}
	va_end(ap);
	d->d_idx = (int)l->l_n;
	d->d_where = *where;
	d->d_keyname = keyname;
	l->l_n++;
}

/* Reports every item whose key an earlier item has; frees the list. */
static void
dup_report(struct vctx *v, struct duplist *l, const char *what)
{
	size_t i;

	if (l->l_oom)
		diag_add(v->v_diag, DIAG_ERROR, NULL, 0, 0, NULL,
		    "out of memory checking duplicates");
	if (l->l_n > 1)
		qsort(l->l_items, l->l_n, sizeof(*l->l_items), dup_cmp);
	for (i = 1; i < l->l_n; i++)
		if (strcmp(l->l_items[i].d_key, l->l_items[i - 1].d_key) == 0)
			verror(v, &l->l_items[i].d_where,
			    l->l_items[i].d_keyname, "duplicate %s %s", what,
			    l->l_items[i].d_key);
	for (i = 0; i < l->l_n; i++)
		free(l->l_items[i].d_key);
	free(l->l_items);
	memset(l, 0, sizeof(*l));
}

/* "10.0.0.1:80/tcp" or "fwmark 100/tcp": what one service is keyed by. */
static void
add_service_key(struct duplist *l, const struct vblock *p,
    const struct cfg_virtual *vs)
{
	char ab[CFG_ADDR_STRLEN];
	const char *proto = cfg_protocol_name(vs->vs_protocol);

	if (proto == NULL)
		proto = "?";
	if (vs->vs_fwmark != 0)
		dup_add(l, p, "fwmark", "fwmark %" PRIu32 "/%s", vs->vs_fwmark,
		    proto);
	else if (vs->vs_address.family == AF_INET6)
		dup_add(l, p, "address", "[%s]:%u/%s",
		    cfg_addr_str(&vs->vs_address, ab, sizeof(ab)),
		    vs->vs_port, proto);
	else
		dup_add(l, p, "address", "%s:%u/%s",
		    cfg_addr_str(&vs->vs_address, ab, sizeof(ab)),
		    vs->vs_port, proto);
}

static void
check_vs_duplicates(struct vctx *v, const struct cfg_virtual_list *list,
    const char *kind)
{
	struct duplist names = { NULL, 0, 0, 0 }, svcs = { NULL, 0, 0, 0 };
	struct duplist srv = { NULL, 0, 0, 0 };
	const struct cfg_virtual *vs;
	const struct cfg_server *rs;
	struct vblock p, sp;
	char what[64];
	int i = 0, j;

	TAILQ_FOREACH(vs, list, vs_entry) {
		vblock_set(&p, kind, vs->vs_name, i++, vs->vs_src);
		if (name_ok(vs->vs_name))
			dup_add(&names, &p, NULL, "%s", vs->vs_name);
		if (vs->vs_active && cfg_addr_is_set(&vs->vs_address))
			add_service_key(&svcs, &p, vs);
		j = 0;
		TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry) {
			vblock_set(&sp, "server", NULL, j++, rs->rs_src);
			if (name_ok(vs->vs_name) && name_ok(rs->rs_name)) {
				snprintf(sp.p_path, sizeof(sp.p_path),
				    "server[%s/%s]", vs->vs_name, rs->rs_name);
				dup_add(&srv, &sp, NULL, "%s/%s", vs->vs_name,
				    rs->rs_name);
			}
		}
	}
	snprintf(what, sizeof(what), "%s name", kind);
	dup_report(v, &names, what);
	snprintf(what, sizeof(what), "active %s service", kind);
	dup_report(v, &svcs, what);
	dup_report(v, &srv, "server name");
}

static void
check_node_duplicates(struct vctx *v, const struct shoal_config *c)
{
	struct duplist names = { NULL, 0, 0, 0 }, addrs = { NULL, 0, 0, 0 };
	const struct cfg_node *n;
	struct vblock p;
	char ab[CFG_ADDR_STRLEN];
	int i = 0;

	TAILQ_FOREACH(n, &c->c_nodes, n_entry) {
		vblock_set(&p, "node", n->n_name, i++, n->n_src);
		if (name_ok(n->n_name))
			dup_add(&names, &p, NULL, "%s", n->n_name);
		if (cfg_addr_is_set(&n->n_address))
			dup_add(&addrs, &p, "address", "%s",
			    cfg_addr_str(&n->n_address, ab, sizeof(ab)));
	}
	dup_report(v, &names, "node name");
	dup_report(v, &addrs, "node address");
}

/* ---- report order ---- */

struct ordered {
	struct diag_item	*o_item;
	int			 o_idx;
};

static int
ordered_cmp(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;
	int lx = x->o_item->di_line > 0 ? x->o_item->di_line : INT32_MAX;
	int ly = y->o_item->di_line > 0 ? y->o_item->di_line : INT32_MAX;

	if (lx != ly)
		return lx < ly ? -1 : 1;
	if (x->o_item->di_col != y->o_item->di_col)
		return x->o_item->di_col < y->o_item->di_col ? -1 : 1;
	return x->o_idx < y->o_idx ? -1 : x->o_idx > y->o_idx;
}

/*
 * Puts the items after `last` (NULL: all) in file order, keeping the
 * order of items at the same place, so that an import lists its problems
 * top to bottom.  Leaves the list as it is when memory is short.
 */
static void
sort_by_position(struct diag *d, struct diag_item *last)
{
	struct diag_item *di, *next;
	struct ordered *o;
	size_t n = 0, i;

	di = last != NULL ? TAILQ_NEXT(last, di_entry) : TAILQ_FIRST(&d->d_items);
	for (next = di; next != NULL; next = TAILQ_NEXT(next, di_entry))
		n++;
	if (n < 2 || (o = calloc(n, sizeof(*o))) == NULL)
		return;
	for (i = 0; di != NULL; di = next, i++) {
		next = TAILQ_NEXT(di, di_entry);
		o[i].o_item = di;
		o[i].o_idx = (int)i;
		TAILQ_REMOVE(&d->d_items, di, di_entry);
	}
	qsort(o, n, sizeof(*o), ordered_cmp);
	for (i = 0; i < n; i++)
		TAILQ_INSERT_TAIL(&d->d_items, o[i].o_item, di_entry);
	free(o);
}

static struct diag_item *
last_item(const struct diag *d)
{
	struct diag_item *di, *last = NULL;

	TAILQ_FOREACH(di, &d->d_items, di_entry)
		last = di;
	return last;
}

int
config_validate(const struct shoal_config *c, struct diag *d)
{
	struct vctx v = { d, c->c_file };
	struct diag_item *last = last_item(d);
	const struct cfg_virtual *vs;
	int errors = diag_errors(d), i = 0;

	check_global(&v, c);
	check_nodes(&v, c);
	check_node_duplicates(&v, c);
	TAILQ_FOREACH(vs, &c->c_virtuals, vs_entry) {
		check_lb_families(&v, c, vs, i);
		check_virtual(&v, vs, i++);
	}
	check_vs_duplicates(&v, &c->c_virtuals, "virtual");
	i = 0;
	TAILQ_FOREACH(vs, &c->c_failovers, vs_entry)
		check_virtual(&v, vs, i++);
	check_vs_duplicates(&v, &c->c_failovers, "failover");
	/* what the load balancer backend can run (config/lbcaps.h) */
	lbcaps_validate(c, d);
	config_validate_ecmp(c, d);
	if (c->c_file != NULL)
		sort_by_position(d, last);
	return diag_errors(d) > errors ? -1 : 0;
}
