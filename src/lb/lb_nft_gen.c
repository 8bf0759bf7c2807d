/*
 * lb_nft_gen.c - the nftables load balancer as nft script text: a pure
 * function of (old state, desired state) and their layer-2 facts, so golden
 * files can pin it and it builds without libnftables.
 *
 * This file: what the backend can run, the tables' skeletons, the shared
 * helpers of the service builders (names, slots, selectors, Maglev) and
 * lb_nft_script().  NAT services: lb_nft_svc.c; direct routing:
 * lb_nft_dr.c; objects and their difference: lb_nft_obj.c.
 *
 * Layout of `table inet shoal` (NAT):
 *
 *   map svc4 / svc6     VIP . l4proto . port  -> jump <service chain>
 *   map mark4 / mark6   fwmark                -> jump <service chain>
 *   chain prerouting    nat hook: fwmark vmaps first (as IPVS), then VIPs
 *   chain output        the same for connections the router makes itself
 *   chain postrouting   masquerade towards real servers (st_masquerade)
 *   map psvc4 ... pmark6, chain persist (filter, after dnat): every packet
 *                       of a persistent service refreshes its client's entry
 *
 * `table netdev shoal` (direct routing): map dsvc4 / dsvc6 and the chain
 * ingress on the interfaces holding the VIPs.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/lbcaps.h"
#include "lb/lb_nft.h"
#include "lb/lb_nft_int.h"
#include "lb/lb_state.h"
#include "lb/maglev.h"
#include "lib/log.h"

/* ---- what the backend runs: config/lbcaps.h's table ---- */

/* The shape of an (effective) service, for the capability table. */
static void
caps_of(const struct lb_service *svc, struct lbcap_service *ls)
{
	size_t i;

	memset(ls, 0, sizeof(*ls));
	ls->ls_fwd = svc->s_fwd;
	ls->ls_sched = svc->s_sched;
	ls->ls_fwmark = svc->s_key.ks_fwmark != 0;
	for (i = 0; i < svc->s_ndests && !ls->ls_fwmark; i++)
		if (svc->s_dests[i].d_port != svc->s_key.ks_port)
			ls->ls_port_differs = 1;
}

int
lb_nft_fallback(enum cfg_scheduler s)
{
	struct lbcap_result res[LBCAP_MAX_RESULTS];
	struct lbcap_service ls;
	size_t i, n;

	memset(&ls, 0, sizeof(ls));
	ls.ls_fwd = CFG_NET_NAT;
	ls.ls_sched = s;
	n = lbcap_check(CFG_LB_NFTABLES, &ls, res);
	for (i = 0; i < n; i++)
		if (res[i].lr_what == LBCAP_SCHEDULER &&
		    res[i].lr_verdict == LBCAP_FALLBACK)
			return (int)res[i].lr_fallback;
	return -1;
}

int
lb_nft_check_service(const struct lb_service *svc, struct lb_why *w)
{
	struct lbcap_result res[LBCAP_MAX_RESULTS];
	struct lbcap_service ls;
	size_t i, n;

	caps_of(svc, &ls);
	n = lbcap_check(CFG_LB_NFTABLES, &ls, res);
	for (i = 0; i < n; i++)
		lb_why_add(w, &svc->s_key, "%s", res[i].lr_why);
	return (int)n;
}

int
lb_nft_expressible(const struct lb_service *svc)
{
	size_t i;

	switch (svc->s_sched) {
	case CFG_SCHED_RR:
	case CFG_SCHED_WRR:
	case CFG_SCHED_SH:
	case CFG_SCHED_DH:
	case CFG_SCHED_MH:
		break;
	default:
		return 0;
	}
	if (svc->s_fwd == CFG_NET_NAT)
		return 1;
	if (svc->s_fwd != CFG_NET_DIRECT || svc->s_key.ks_fwmark != 0)
		return 0;
	/* frames go out unchanged but for their MACs: same port */
	for (i = 0; i < svc->s_ndests; i++)
		if (svc->s_dests[i].d_port != svc->s_key.ks_port)
			return 0;
	return 1;
}

/* ---- names ---- */

static void
hex_addr(const struct cfg_addr *a, char *buf, size_t len)
{
	size_t i, o;

	for (i = 0, o = 0; i < 16 && o + 2 < len; i++, o += 2)
		snprintf(buf + o, len - o, "%02x", a->u.v6.s6_addr[i]);
}

void
lb_nft_svc_name(const struct lb_svc_key *k, char *buf, size_t len)
{
	char ab[INET6_ADDRSTRLEN];

	if (k->ks_fwmark != 0) {
		snprintf(buf, len, "vs_fwm%c_%u", k->ks_af == AF_INET6 ?
		    '6' : '4', k->ks_fwmark);
		return;
	}
	if (k->ks_af == AF_INET6)
		hex_addr(&k->ks_addr, ab, sizeof(ab));
	else
		inet_ntop(AF_INET, &k->ks_addr.u.v4, ab, sizeof(ab));
	snprintf(buf, len, "vs_%s_%s_%u", cfg_protocol_name(k->ks_proto), ab,
	    k->ks_port);
}

void
lb_nft_dest_name(const struct lb_dest *d, char *buf, size_t len)
{
	char ab[INET6_ADDRSTRLEN];

	if (d->d_addr.family == AF_INET6)
		hex_addr(&d->d_addr, ab, sizeof(ab));
	else
		inet_ntop(AF_INET, &d->d_addr.u.v4, ab, sizeof(ab));
	if (d->d_port != 0)
		snprintf(buf, len, "%s_%u", ab, d->d_port);
	else
		snprintf(buf, len, "%s", ab);
}

const char *
lb_nft_fam(int af)
{
	return af == AF_INET6 ? "ip6" : "ip";
}

/* ---- clients, slots, selectors ---- */

void
lb_nft_client_expr(struct sbuf *sb, const struct lb_service *svc)
{
	int af = svc->s_key.ks_af, bits = af == AF_INET6 ? 128 : 32, p, i;
	char mb[INET6_ADDRSTRLEN];
	uint8_t m[16];

	p = svc->s_pmask;
	sb_printf(sb, "%s saddr", lb_nft_fam(af));
	if (svc->s_persistent == 0 || p < 0 || p >= bits)
		return;
	memset(m, 0, sizeof(m));
	for (i = 0; i < p; i++)
		m[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	inet_ntop(af, m, mb, sizeof(mb));
	sb_printf(sb, " & %s", mb);
}

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

/*
 * Slots per real server (0 for weight 0 or not usable) into slots[];
 * returns the total.  rr gives one slot to each server with a weight;
 * otherwise weights are divided by their gcd and scaled down to
 * LB_NFT_MAX_SLOTS, every server with a weight keeping at least one.
 */
unsigned
lb_nft_slots(const struct lb_service *svc, const int *usable,
    unsigned *slots)
{
	unsigned g = 0, total = 0, w, scaled = 0;
	size_t i;

	for (i = 0; i < svc->s_ndests; i++) {
		w = svc->s_dests[i].d_weight > 0 && usable[i] ?
		    (unsigned)svc->s_dests[i].d_weight : 0;
		if (w > 0 && svc->s_sched == CFG_SCHED_RR)
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

int
lb_nft_is_maglev(const struct lb_service *svc)
{
	return svc->s_sched == CFG_SCHED_MH;
}

/* Maglev's key of a real server: family, address, port (maglev.h, 4.). */
static size_t
maglev_key(const struct lb_dest *d, uint8_t *key)
{
	uint16_t port = htons(d->d_port);
	size_t alen = d->d_addr.family == AF_INET6 ? 16 : 4;

	key[0] = d->d_addr.family == AF_INET6 ? 6 : 4;
	memcpy(key + 1, &d->d_addr.u, alen);
	memcpy(key + 1 + alen, &port, 2);
	return 1 + alen + 2;
}

int
lb_nft_maglev(const struct lb_service *svc, const int *usable,
    int32_t *table)
{
	struct maglev_backend *b;
	uint8_t (*keys)[19];
	size_t i;
	int rc = -1;

	b = calloc(svc->s_ndests + 1, sizeof(*b));
	keys = calloc(svc->s_ndests + 1, sizeof(*keys));
	if (b == NULL || keys == NULL)
		goto done;
	for (i = 0; i < svc->s_ndests; i++) {
		b[i].mb_key = keys[i];
		b[i].mb_keylen = maglev_key(&svc->s_dests[i], keys[i]);
		b[i].mb_weight = usable[i] && svc->s_dests[i].d_weight > 0 ?
		    (uint32_t)svc->s_dests[i].d_weight : 0;
	}
	rc = maglev_build(b, svc->s_ndests, MAGLEV_SIZE, table);
done:
	free(b);
	free(keys);
	return rc;
}

/*
 * How a new connection (NAT) or flow (direct routing) picks its slot:
 * numgen inc for rr and wrr; jhash of the client address for sh, of the
 * destination for dh, over the weighted slots; jhash of the client into
 * the Maglev table for mh.
 */
void
lb_nft_selector(struct sbuf *sb, const struct lb_service *svc,
    unsigned total)
{
	const char *fam = lb_nft_fam(svc->s_key.ks_af);

	if (lb_nft_is_maglev(svc))
		sb_printf(sb, "jhash %s saddr mod %u seed %s", fam,
		    MAGLEV_SIZE, LB_NFT_SEED);
	else if (svc->s_sched == CFG_SCHED_SH)
		sb_printf(sb, "jhash %s saddr mod %u seed %s", fam, total,
		    LB_NFT_SEED);
	else if (svc->s_sched == CFG_SCHED_DH)
		sb_printf(sb, "jhash %s daddr mod %u seed %s", fam, total,
		    LB_NFT_SEED);
	else
		sb_printf(sb, "numgen inc mod %u", total);
}

uint32_t
lb_nft_flow_timeout(const struct lb_state *st, enum cfg_protocol p)
{
	if (p == CFG_PROTO_UDP)
		return st->st_udp_timeout ? st->st_udp_timeout :
		    LB_NFT_UDP_FLOW_S;
	return st->st_tcp_timeout ? st->st_tcp_timeout : LB_NFT_TCP_FLOW_S;
}

/* ---- the tables' skeletons ---- */

static struct nobj *
vmap(struct nobjs *ol, enum nobj_table t, const char *name, const char *type)
{
	struct nobj *o;

	if ((o = nobj_add(ol, NOBJ_SET, t, "%s", name)) != NULL)
		sb_printf(&o->o_decl, "map { type %s : verdict; }", type);
	return o;
}

#define SVC4_TYPE	"ipv4_addr . inet_proto . inet_service"
#define SVC6_TYPE	"ipv6_addr . inet_proto . inet_service"

/* A nat base chain sending VIP and fwmark traffic to the services. */
static void
nat_base(struct nobjs *ol, const char *name, const char *hook)
{
	struct nobj *o;
	const char *m[] = { "svc4", "svc6", "mark4", "mark6" };
	size_t i;

	if ((o = nobj_add(ol, NOBJ_CHAIN, NT_INET, "%s", name)) == NULL)
		return;
	/*
	 * -100 is dstnat; numbers parse in every hook.  `ct state new` says
	 * what the nat hook does anyway (only a connection's first packet
	 * reaches these chains), and it makes the kernel track connections
	 * in this namespace from the start (a rule using conntrack does):
	 * without one, until the first dnat rule exists, connections that
	 * conntrackd commits on a backup becoming active are not looked up,
	 * and their packets reach the router itself, which resets them.
	 */
	sb_printf(&o->o_decl, "{ type nat hook %s priority -100; policy "
	    "accept; }", hook);
	sb_printf(&o->o_body, "ct state new meta nfproto ipv4 meta mark vmap "
	    "@mark4\n"
	    "ct state new meta nfproto ipv6 meta mark vmap @mark6\n"
	    "ct state new ip daddr . meta l4proto . th dport vmap @svc4\n"
	    "ct state new ip6 daddr . meta l4proto . th dport vmap @svc6\n");
	for (i = 0; i < 4; i++)
		nobj_ref(ol, o, m[i]);
}

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
		if (st->st_svcs[i].s_fwd != CFG_NET_NAT)
			continue;
		if (k->ks_fwmark != 0)
			sb_printf(sb, "meta nfproto %s meta mark %u ct status "
			    "dnat masquerade\n", k->ks_af == AF_INET6 ?
			    "ipv6" : "ipv4", k->ks_fwmark);
		else
			sb_printf(sb, "ct status dnat ct original %s daddr %s "
			    "meta l4proto %s ct original proto-dst %u "
			    "masquerade\n", lb_nft_fam(k->ks_af),
			    inet_ntop(k->ks_af, &k->ks_addr.u, ab, sizeof(ab)),
			    cfg_protocol_name(k->ks_proto), k->ks_port);
	}
}

static int
any_persistent_nat(const struct lb_state *st)
{
	size_t i;

	for (i = 0; i < st->st_nsvcs; i++)
		if (st->st_svcs[i].s_fwd == CFG_NET_NAT &&
		    st->st_svcs[i].s_persistent > 0)
			return 1;
	return 0;
}

/*
 * The persistence refresher: after dnat, every packet a client sends on a
 * persistent service's connection goes through its service's refresh
 * chain (which knows the real server from the packet's new destination):
 * fwmark services by their mark; address services by their VIP and
 * protocol (psvc4/6), then their port in the VIP's chain pv_<proto>_<VIP>
 * (nft 1.0.6 cannot put `ct original proto-dst` in a concatenation).
 */
static void
persist_base(struct nobjs *ol)
{
	const char *m[] = { "psvc4", "psvc6", "pmark4", "pmark6" };
	struct nobj *o;
	size_t i;

	vmap(ol, NT_INET, "psvc4", "ipv4_addr . inet_proto");
	vmap(ol, NT_INET, "psvc6", "ipv6_addr . inet_proto");
	vmap(ol, NT_INET, "pmark4", "mark");
	vmap(ol, NT_INET, "pmark6", "mark");
	if ((o = nobj_add(ol, NOBJ_CHAIN, NT_INET, "persist")) == NULL)
		return;
	sb_printf(&o->o_decl, "{ type filter hook prerouting priority -90; "
	    "policy accept; }");
	sb_printf(&o->o_body, "ct direction original ct status dnat meta "
	    "nfproto ipv4 meta mark vmap @pmark4\n"
	    "ct direction original ct status dnat meta nfproto ipv6 meta "
	    "mark vmap @pmark6\n"
	    "ct direction original ct status dnat ct original ip daddr . "
	    "meta l4proto vmap @psvc4\n"
	    "ct direction original ct status dnat ct original ip6 daddr . "
	    "meta l4proto vmap @psvc6\n");
	for (i = 0; i < 4; i++)
		nobj_ref(ol, o, m[i]);
}

/* 1 when svc is a persistent NAT address service. */
static int
persist_addr_svc(const struct lb_service *svc)
{
	return svc->s_fwd == CFG_NET_NAT && svc->s_persistent > 0 &&
	    svc->s_key.ks_fwmark == 0;
}

/* The VIP's refresh chain: one rule per persistent service on it. */
static void
persist_vip(struct nobjs *ol, const struct lb_state *st, size_t first)
{
	const struct lb_svc_key *k = &st->st_svcs[first].s_key, *k2;
	char name[NFT_SVC_NAME_MAX], chain[NFT_SVC_NAME_MAX];
	struct lb_svc_key vk = *k;
	struct nobj *o, *e;
	size_t i;

	vk.ks_port = 0;
	lb_nft_svc_name(&vk, name, sizeof(name));
	*strrchr(name, '_') = '\0';	/* "vs_tcp_<VIP>_0" -> "pv_tcp_<VIP>" */
	if ((o = nobj_add(ol, NOBJ_CHAIN, NT_INET, "pv%s", name + 2)) ==
	    NULL || (e = nobj_add(ol, NOBJ_ELEM, NT_INET, "psvc%c",
	    k->ks_af == AF_INET6 ? '6' : '4')) == NULL)
		return;
	for (i = first; i < st->st_nsvcs; i++) {
		k2 = &st->st_svcs[i].s_key;
		if (!persist_addr_svc(&st->st_svcs[i]) ||
		    k2->ks_proto != k->ks_proto ||
		    !cfg_addr_equal(&k2->ks_addr, &k->ks_addr))
			continue;
		lb_nft_svc_name(k2, chain, sizeof(chain));
		sb_printf(&o->o_body, "meta l4proto %s ct original proto-dst "
		    "%u goto %s_r\n", cfg_protocol_name(k->ks_proto),
		    k2->ks_port, chain);
		nobj_ref(ol, o, chain);
	}
	sb_printf(&e->o_decl, "%s . %s", inet_ntop(k->ks_af, &k->ks_addr.u,
	    name, sizeof(name)), cfg_protocol_name(k->ks_proto));
	sb_printf(&e->o_body, ": jump %s", o->o_name);
	nobj_ref(ol, e, o->o_name);
}

/* One pv_ chain per VIP and protocol of the persistent services. */
static void
persist_vips(struct nobjs *ol, const struct lb_state *st)
{
	const struct lb_svc_key *k;
	size_t i, j;

	for (i = 0; i < st->st_nsvcs; i++) {
		if (!persist_addr_svc(&st->st_svcs[i]))
			continue;
		k = &st->st_svcs[i].s_key;
		for (j = 0; j < i; j++)
			if (persist_addr_svc(&st->st_svcs[j]) &&
			    st->st_svcs[j].s_key.ks_proto == k->ks_proto &&
			    cfg_addr_equal(&st->st_svcs[j].s_key.ks_addr,
			    &k->ks_addr))
				break;
		if (j == i)
			persist_vip(ol, st, i);
	}
}

static void
inet_skeleton(struct nobjs *ol, const struct lb_state *st)
{
	struct nobj *o;

	vmap(ol, NT_INET, "svc4", SVC4_TYPE);
	vmap(ol, NT_INET, "svc6", SVC6_TYPE);
	vmap(ol, NT_INET, "mark4", "mark");
	vmap(ol, NT_INET, "mark6", "mark");
	nat_base(ol, "prerouting", "prerouting");
	nat_base(ol, "output", "output");
	if ((o = nobj_add(ol, NOBJ_CHAIN, NT_INET, "postrouting")) != NULL) {
		sb_printf(&o->o_decl, "{ type nat hook postrouting priority "
		    "100; policy accept; }");
		masquerade_rules(&o->o_body, st);
	}
	if (any_persistent_nat(st))
		persist_base(ol);
}

static int
any_dr(const struct lb_state *st)
{
	size_t i;

	for (i = 0; i < st->st_nsvcs; i++)
		if (st->st_svcs[i].s_fwd == CFG_NET_DIRECT)
			return 1;
	return 0;
}

/* Every object of a state, skeletons first. */
static int
state_objects(struct nobjs *ol, const struct lb_state *st,
    const struct lb_nft_env *env)
{
	struct nft_build nb = { st, env, ol };
	const struct lb_service *svc;
	size_t i;

	inet_skeleton(ol, st);
	if (any_dr(st)) {
		vmap(ol, NT_NETDEV, "dsvc4", SVC4_TYPE);
		vmap(ol, NT_NETDEV, "dsvc6", SVC6_TYPE);
		if (lb_nft_dr_ingress(&nb) == -1)
			return -1;
	}
	for (i = 0; i < st->st_nsvcs; i++) {
		svc = &st->st_svcs[i];
		if (!lb_nft_expressible(svc)) {
			log_warnx("lb: nftables: service %s cannot be expressed",
			    svc->s_name);
			return -1;
		}
		if ((svc->s_fwd == CFG_NET_DIRECT ?
		    lb_nft_dr_service(&nb, svc) :
		    lb_nft_nat_service(&nb, svc)) == -1)
			return -1;
	}
	persist_vips(ol, st);
	return ol->ol_err ? -1 : 0;
}

static int
sbuf_any_err(const struct nobjs *ol)
{
	size_t i;

	for (i = 0; i < ol->ol_n; i++)
		if (ol->ol_v[i]->o_decl.sb_err || ol->ol_v[i]->o_body.sb_err)
			return 1;
	return ol->ol_err;
}

char *
lb_nft_script(const struct lb_state *old, const struct lb_nft_env *oenv,
    const struct lb_state *want, const struct lb_nft_env *env)
{
	struct nobjs on, nn;
	struct sbuf sb = { 0 };

	if (lb_state_check(want, CFG_LB_NFTABLES) != 0)
		return NULL;
	nobjs_init(&on);
	nobjs_init(&nn);
	if ((old != NULL && state_objects(&on, old, oenv) == -1) ||
	    state_objects(&nn, want, env) == -1 || sbuf_any_err(&on) ||
	    sbuf_any_err(&nn) ||
	    lb_nft_diff(&sb, old != NULL ? &on : NULL, &nn) == -1)
		goto fail;
	if (sb.sb_buf == NULL && (sb.sb_buf = strdup("")) == NULL)
		goto fail;
	nobjs_free(&on);
	nobjs_free(&nn);
	return sb.sb_buf;
fail:
	log_warnx("lb: nftables: out of memory building the ruleset");
	nobjs_free(&on);
	nobjs_free(&nn);
	sb_free(&sb);
	return NULL;
}

/* ---- environments ---- */

void
lb_nft_env_init(struct lb_nft_env *e)
{
	memset(e, 0, sizeof(*e));
}

void
lb_nft_env_clear(struct lb_nft_env *e)
{
	free(e->ne_l2);
	free(e->ne_vips);
	lb_nft_env_init(e);
}

int
lb_nft_env_add_l2(struct lb_nft_env *e, const struct cfg_addr *a,
    const struct lb_l2 *l2)
{
	struct lb_nft_l2ent *n;

	n = reallocarray(e->ne_l2, e->ne_nl2 + 1, sizeof(*n));
	if (n == NULL)
		return -1;
	e->ne_l2 = n;
	n[e->ne_nl2].e_addr = *a;
	n[e->ne_nl2].e_l2 = *l2;
	e->ne_nl2++;
	return 0;
}

int
lb_nft_env_add_vip(struct lb_nft_env *e, const struct cfg_addr *a,
    const char *ifname)
{
	struct lb_nft_vipdev *n;

	n = reallocarray(e->ne_vips, e->ne_nvips + 1, sizeof(*n));
	if (n == NULL)
		return -1;
	e->ne_vips = n;
	n[e->ne_nvips].v_addr = *a;
	snprintf(n[e->ne_nvips].v_ifname, sizeof(n->v_ifname), "%s", ifname);
	e->ne_nvips++;
	return 0;
}

const struct lb_l2 *
lb_nft_env_l2(const struct lb_nft_env *e, const struct cfg_addr *a)
{
	size_t i;

	for (i = 0; e != NULL && i < e->ne_nl2; i++)
		if (cfg_addr_equal(&e->ne_l2[i].e_addr, a))
			return &e->ne_l2[i].e_l2;
	return NULL;
}

const char *
lb_nft_env_vip(const struct lb_nft_env *e, const struct cfg_addr *a)
{
	size_t i;

	for (i = 0; e != NULL && i < e->ne_nvips; i++)
		if (cfg_addr_equal(&e->ne_vips[i].v_addr, a))
			return e->ne_vips[i].v_ifname;
	return NULL;
}

int
lb_nft_env_copy(struct lb_nft_env *dst, const struct lb_nft_env *src)
{
	size_t i;

	lb_nft_env_clear(dst);
	for (i = 0; i < src->ne_nl2; i++)
		if (lb_nft_env_add_l2(dst, &src->ne_l2[i].e_addr,
		    &src->ne_l2[i].e_l2) == -1)
			goto fail;
	for (i = 0; i < src->ne_nvips; i++)
		if (lb_nft_env_add_vip(dst, &src->ne_vips[i].v_addr,
		    src->ne_vips[i].v_ifname) == -1)
			goto fail;
	return 0;
fail:
	lb_nft_env_clear(dst);
	return -1;
}
