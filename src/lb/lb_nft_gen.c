/*
 * lb_nft_gen.c - the nftables load balancer as nft script text: a pure
 * function of (old state, desired state), so golden files can pin it and
 * it builds without libnftables.
 *
 * Layout of `table inet shoal` (shoal's own; nothing else is touched):
 *
 *   map svc4 / svc6     VIP . l4proto . port  -> jump <service chain>
 *   map mark4 / mark6   fwmark                -> jump <service chain>
 *   chain prerouting    nat hook: fwmark vmaps first (as IPVS), then VIPs
 *   chain output        the same for connections the router makes itself
 *   chain postrouting   masquerade towards real servers (st_masquerade)
 *   per service:
 *     map <svc>_rs      slot -> real server (address . port); a real
 *                       server with weight w owns w slots (scaled)
 *     chain <svc>       dnat to (numgen inc | jhash) mod slots map <svc>_rs
 *
 * New connections are spread by the slot number; conntrack keeps every
 * existing connection on the server it was given, whatever changes later.
 * A weight change refills one map and one chain in one transaction.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/lb_backend.h"
#include "lib/log.h"

#define T	"inet " LB_NFT_TABLE

/* A growing string; a failed allocation sticks in sb_err. */
struct sbuf {
	char	*sb_buf;
	size_t	 sb_len;
	size_t	 sb_cap;
	int	 sb_err;
};

static void sb_printf(struct sbuf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *n;
	int len;

	if (sb->sb_err)
		return;
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		goto fail;
	if (sb->sb_len + (size_t)len + 1 > sb->sb_cap) {
		cap = sb->sb_cap ? sb->sb_cap : 256;
		while (cap < sb->sb_len + (size_t)len + 1)
			cap *= 2;
		if ((n = realloc(sb->sb_buf, cap)) == NULL)
			goto fail;
		sb->sb_buf = n;
		sb->sb_cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(sb->sb_buf + sb->sb_len, sb->sb_cap - sb->sb_len, fmt, ap);
	va_end(ap);
	sb->sb_len += (size_t)len;
	return;
fail:
	sb->sb_err = 1;
}

/* The string (owned by sb), "" when empty. */
static const char *
sb_str(const struct sbuf *sb)
{
	return sb->sb_buf != NULL ? sb->sb_buf : "";
}

/* ---- names ---- */

/*
 * The service's chain name: vs_tcp_10.0.0.1_80, vs_udp_<32 hex>_53 for
 * IPv6 (colons are not allowed in nft names), vs_fwm4_7 / vs_fwm6_7.
 */
static void
svc_name(const struct lb_svc_key *k, char *buf, size_t len)
{
	char ab[INET6_ADDRSTRLEN];
	const uint8_t *b;
	size_t i, o;

	if (k->ks_fwmark != 0) {
		snprintf(buf, len, "vs_fwm%c_%u", k->ks_af == AF_INET6 ?
		    '6' : '4', k->ks_fwmark);
		return;
	}
	if (k->ks_af == AF_INET6) {
		b = k->ks_addr.u.v6.s6_addr;
		for (i = 0, o = 0; i < 16; i++, o += 2)
			snprintf(ab + o, sizeof(ab) - o, "%02x", b[i]);
	} else
		inet_ntop(AF_INET, &k->ks_addr.u.v4, ab, sizeof(ab));
	snprintf(buf, len, "vs_%s_%s_%u", cfg_protocol_name(k->ks_proto), ab,
	    k->ks_port);
}

#define NAME_MAX_LEN	80

static const char *
fam_kw(int af)
{
	return af == AF_INET6 ? "ip6" : "ip";
}

/* ---- slots: weights expanded for the numgen / jhash map ---- */

static unsigned
gcd(unsigned a, unsigned b)
{
	unsigned t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static int
sched_ignores_weight(enum cfg_scheduler s)
{
	return s == CFG_SCHED_RR || s == CFG_SCHED_LC;
}

/*
 * Slots per real server (0 for weight 0) into slots[]; returns the total.
 * Weights are divided by their gcd and scaled down to LB_NFT_MAX_SLOTS.
 */
static unsigned
svc_slots(const struct lb_service *svc, unsigned *slots)
{
	unsigned g = 0, total = 0, w, scaled = 0;
	size_t i;

	for (i = 0; i < svc->s_ndests; i++) {
		w = svc->s_dests[i].d_weight > 0 ?
		    (unsigned)svc->s_dests[i].d_weight : 0;
		if (w > 0 && sched_ignores_weight(svc->s_sched))
			w = 1;
		slots[i] = w;
		g = gcd(g, w);
	}
	for (i = 0; i < svc->s_ndests; i++) {
		if (g > 1)
			slots[i] /= g;
		total += slots[i];
	}
	if (total <= LB_NFT_MAX_SLOTS)
		return total;
	for (i = 0; i < svc->s_ndests; i++) {
		if (slots[i] == 0)
			continue;
		w = (unsigned)((uint64_t)slots[i] * LB_NFT_MAX_SLOTS / total);
		slots[i] = w > 0 ? w : 1;
		scaled += slots[i];
	}
	return scaled;
}

/* ---- one service ---- */

/* The map's type: slot -> address [. port]. */
static void
svc_map_type(struct sbuf *sb, const struct lb_service *svc)
{
	const struct lb_svc_key *k = &svc->s_key;

	sb_printf(sb, "typeof numgen inc mod 2 : %s daddr", fam_kw(k->ks_af));
	if (k->ks_fwmark == 0)
		sb_printf(sb, " . %s dport", cfg_protocol_name(k->ks_proto));
}

/* The map's elements "0 : 10.0.0.1 . 80, 1-2 : ..." ("" when none). */
static void
svc_elements(struct sbuf *sb, const struct lb_service *svc,
    const unsigned *slots)
{
	const struct lb_dest *d;
	char ab[INET6_ADDRSTRLEN];
	unsigned at = 0;
	size_t i;

	for (i = 0; i < svc->s_ndests; i++) {
		d = &svc->s_dests[i];
		if (slots[i] == 0)
			continue;
		sb_printf(sb, "%s", at > 0 ? ", " : "");
		if (slots[i] == 1)
			sb_printf(sb, "%u : ", at);
		else
			sb_printf(sb, "%u-%u : ", at, at + slots[i] - 1);
		sb_printf(sb, "%s", inet_ntop(d->d_addr.family, &d->d_addr.u,
		    ab, sizeof(ab)));
		if (svc->s_key.ks_fwmark == 0)
			sb_printf(sb, " . %u", d->d_port);
		at += slots[i];
	}
}

/*
 * How a new connection picks its slot.  numgen inc: round robin over the
 * slots (rr, wrr; lc/wlc/sed/nq have no connection counts in nftables and
 * become rr/wrr).  jhash of the source (sh, mh, and any persistent
 * service: the same client, or client network by pmask rounded down to
 * whole bytes, keeps its server while the set of servers is unchanged) or
 * of the destination (dh, lblc, lblcr).
 */
static void
svc_selector(struct sbuf *sb, const struct lb_service *svc, unsigned total)
{
	int v6 = svc->s_key.ks_af == AF_INET6;
	int bits = v6 ? 128 : 32, p;

	if (svc->s_persistent > 0 || svc->s_sched == CFG_SCHED_SH ||
	    svc->s_sched == CFG_SCHED_MH) {
		p = svc->s_persistent > 0 && svc->s_pmask >= 0 &&
		    svc->s_pmask < bits ? svc->s_pmask : bits;
		p = p / 8 * 8;
		if (p < 8)
			p = 8;
		if (p == bits)
			sb_printf(sb, "jhash %s saddr", fam_kw(svc->s_key.ks_af));
		else	/* the source address's first p bits */
			sb_printf(sb, "jhash @nh,%d,%d", v6 ? 64 : 96, p);
		sb_printf(sb, " mod %u seed %s", total, LB_NFT_SEED);
	} else if (svc->s_sched == CFG_SCHED_DH ||
	    svc->s_sched == CFG_SCHED_LBLC || svc->s_sched == CFG_SCHED_LBLCR)
		sb_printf(sb, "jhash %s daddr mod %u seed %s",
		    fam_kw(svc->s_key.ks_af), total, LB_NFT_SEED);
	else
		sb_printf(sb, "numgen inc mod %u", total);
}

/* The service chain's one rule ("" when no real server takes new ones). */
static void
svc_rule(struct sbuf *sb, const struct lb_service *svc, const char *name,
    unsigned total)
{
	const struct lb_svc_key *k = &svc->s_key;

	if (total == 0)
		return;
	if (k->ks_fwmark == 0)
		sb_printf(sb, "meta l4proto %s ", cfg_protocol_name(k->ks_proto));
	sb_printf(sb, "dnat %s to ", fam_kw(k->ks_af));
	svc_selector(sb, svc, total);
	sb_printf(sb, " map @%s_rs", name);
}

/* Elements and rule of a service, as texts to emit and compare. */
struct svc_text {
	char		 st_name[NAME_MAX_LEN];
	struct sbuf	 st_elems;
	struct sbuf	 st_rule;
};

static int
svc_text(struct svc_text *t, const struct lb_service *svc)
{
	unsigned *slots, total;

	memset(t, 0, sizeof(*t));
	svc_name(&svc->s_key, t->st_name, sizeof(t->st_name));
	if ((slots = calloc(svc->s_ndests + 1, sizeof(*slots))) == NULL)
		return -1;
	total = svc_slots(svc, slots);
	svc_elements(&t->st_elems, svc, slots);
	svc_rule(&t->st_rule, svc, t->st_name, total);
	free(slots);
	return t->st_elems.sb_err || t->st_rule.sb_err ? -1 : 0;
}

static void
svc_text_free(struct svc_text *t)
{
	free(t->st_elems.sb_buf);
	free(t->st_rule.sb_buf);
}

/* The dispatch element that sends the service's packets to its chain. */
static void
svc_dispatch(struct sbuf *sb, const char *verb, const struct lb_service *svc,
    const char *name)
{
	const struct lb_svc_key *k = &svc->s_key;
	char ab[INET6_ADDRSTRLEN];
	int v6 = k->ks_af == AF_INET6;

	if (k->ks_fwmark != 0)
		sb_printf(sb, "%s element " T " mark%c { %u", verb,
		    v6 ? '6' : '4', k->ks_fwmark);
	else
		sb_printf(sb, "%s element " T " svc%c { %s . %s . %u", verb,
		    v6 ? '6' : '4', inet_ntop(k->ks_af, &k->ks_addr.u, ab,
		    sizeof(ab)), cfg_protocol_name(k->ks_proto), k->ks_port);
	if (strcmp(verb, "add") == 0)
		sb_printf(sb, " : jump %s", name);
	sb_printf(sb, " }\n");
}

static void
svc_fill(struct sbuf *sb, const struct svc_text *t)
{
	if (t->st_elems.sb_len > 0)
		sb_printf(sb, "add element " T " %s_rs { %s }\n", t->st_name,
		    sb_str(&t->st_elems));
	if (t->st_rule.sb_len > 0)
		sb_printf(sb, "add rule " T " %s %s\n", t->st_name,
		    sb_str(&t->st_rule));
}

static void
svc_add(struct sbuf *sb, const struct lb_service *svc,
    const struct svc_text *t)
{
	sb_printf(sb, "add map " T " %s_rs { ", t->st_name);
	svc_map_type(sb, svc);
	sb_printf(sb, "; flags interval; }\n");
	sb_printf(sb, "add chain " T " %s\n", t->st_name);
	svc_fill(sb, t);
	svc_dispatch(sb, "add", svc, t->st_name);
}

static void
svc_del(struct sbuf *sb, const struct lb_service *svc,
    const struct svc_text *t)
{
	svc_dispatch(sb, "delete", svc, t->st_name);
	sb_printf(sb, "delete chain " T " %s\n", t->st_name);
	sb_printf(sb, "delete map " T " %s_rs\n", t->st_name);
}

/* Refills a changed service: one map and one chain, in the same batch. */
static void
svc_update(struct sbuf *sb, const struct svc_text *o,
    const struct svc_text *n)
{
	if (strcmp(sb_str(&o->st_elems), sb_str(&n->st_elems)) == 0 &&
	    strcmp(sb_str(&o->st_rule), sb_str(&n->st_rule)) == 0)
		return;
	sb_printf(sb, "flush map " T " %s_rs\n", n->st_name);
	sb_printf(sb, "flush chain " T " %s\n", n->st_name);
	svc_fill(sb, n);
}

/* ---- the table ---- */

static void
masquerade_rules(struct sbuf *sb, const struct lb_state *st)
{
	const struct lb_svc_key *k;
	char ab[INET6_ADDRSTRLEN];
	size_t i;

	if (!st->st_masquerade)
		return;
	for (i = 0; i < st->st_nsvcs; i++) {
		k = &st->st_svcs[i].s_key;
		if (k->ks_fwmark != 0)
			sb_printf(sb, "add rule " T " postrouting meta nfproto "
			    "%s meta mark %u ct status dnat masquerade\n",
			    k->ks_af == AF_INET6 ? "ipv6" : "ipv4",
			    k->ks_fwmark);
		else
			sb_printf(sb, "add rule " T " postrouting ct status dnat "
			    "ct original %s daddr %s meta l4proto %s "
			    "ct original proto-dst %u masquerade\n",
			    fam_kw(k->ks_af), inet_ntop(k->ks_af, &k->ks_addr.u,
			    ab, sizeof(ab)), cfg_protocol_name(k->ks_proto),
			    k->ks_port);
	}
}

static void
base_chain(struct sbuf *sb, const char *name, const char *hook, int prio)
{
	sb_printf(sb, "add chain " T " %s { type nat hook %s priority %d; "
	    "policy accept; }\n", name, hook, prio);
	sb_printf(sb, "add rule " T " %s meta nfproto ipv4 meta mark vmap "
	    "@mark4\n", name);
	sb_printf(sb, "add rule " T " %s meta nfproto ipv6 meta mark vmap "
	    "@mark6\n", name);
	sb_printf(sb, "add rule " T " %s ip daddr . meta l4proto . th dport "
	    "vmap @svc4\n", name);
	sb_printf(sb, "add rule " T " %s ip6 daddr . meta l4proto . th dport "
	    "vmap @svc6\n", name);
}

/* The skeleton of a fresh table, replacing whatever was there. */
static void
table_skeleton(struct sbuf *sb)
{
	sb_printf(sb, "add table " T "\ndelete table " T "\nadd table " T "\n");
	sb_printf(sb, "add map " T " svc4 { type ipv4_addr . inet_proto . "
	    "inet_service : verdict; }\n");
	sb_printf(sb, "add map " T " svc6 { type ipv6_addr . inet_proto . "
	    "inet_service : verdict; }\n");
	sb_printf(sb, "add map " T " mark4 { type mark : verdict; }\n");
	sb_printf(sb, "add map " T " mark6 { type mark : verdict; }\n");
	/* -100 is dstnat, 100 srcnat; numbers parse in every hook */
	base_chain(sb, "prerouting", "prerouting", -100);
	base_chain(sb, "output", "output", -100);
	sb_printf(sb, "add chain " T " postrouting { type nat hook postrouting "
	    "priority 100; policy accept; }\n");
}

/* Adds or updates every service of want, given old (NULL: none yet). */
static int
emit_services(struct sbuf *sb, const struct lb_state *old,
    const struct lb_state *want)
{
	const struct lb_service *svc, *o;
	struct svc_text tn, to;
	size_t i;
	int rc;

	for (i = 0; i < want->st_nsvcs; i++) {
		svc = &want->st_svcs[i];
		o = old != NULL ? lb_state_find(old, &svc->s_key) : NULL;
		if (svc_text(&tn, svc) == -1) {
			svc_text_free(&tn);
			return -1;
		}
		rc = 0;
		if (o == NULL)
			svc_add(sb, svc, &tn);
		else if ((rc = svc_text(&to, o)) == 0)
			svc_update(sb, &to, &tn);
		if (o != NULL)
			svc_text_free(&to);
		svc_text_free(&tn);
		if (rc == -1)
			return -1;
	}
	return 0;
}

static int
emit_removals(struct sbuf *sb, const struct lb_state *old,
    const struct lb_state *want)
{
	const struct lb_service *o;
	struct svc_text t;
	size_t i;
	int rc;

	for (i = 0; i < old->st_nsvcs; i++) {
		o = &old->st_svcs[i];
		if (lb_state_find(want, &o->s_key) != NULL)
			continue;
		if ((rc = svc_text(&t, o)) == 0)
			svc_del(sb, o, &t);
		svc_text_free(&t);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* Rewrites postrouting when its rules differ. */
static int
emit_postrouting(struct sbuf *sb, const struct lb_state *old,
    const struct lb_state *want)
{
	struct sbuf o = { 0 }, n = { 0 };
	int rc = -1;

	if (old != NULL)
		masquerade_rules(&o, old);
	masquerade_rules(&n, want);
	if (o.sb_err || n.sb_err)
		goto done;
	if (old == NULL || strcmp(sb_str(&o), sb_str(&n)) != 0) {
		if (old != NULL)
			sb_printf(sb, "flush chain " T " postrouting\n");
		sb_printf(sb, "%s", sb_str(&n));
	}
	rc = 0;
done:
	free(o.sb_buf);
	free(n.sb_buf);
	return rc;
}

char *
lb_nft_script(const struct lb_state *old, const struct lb_state *want)
{
	struct sbuf sb = { 0 };

	if (lb_state_check(want, CFG_LB_NFTABLES) != 0)
		return NULL;
	if (old == NULL)
		table_skeleton(&sb);
	else if (emit_removals(&sb, old, want) == -1)
		goto fail;
	if (emit_services(&sb, old, want) == -1 ||
	    emit_postrouting(&sb, old, want) == -1 || sb.sb_err)
		goto fail;
	if (sb.sb_buf == NULL && (sb.sb_buf = strdup("")) == NULL)
		goto fail;
	return sb.sb_buf;
fail:
	log_warnx("lb: nftables: out of memory building the ruleset");
	free(sb.sb_buf);
	return NULL;
}
