/*
 * lb_nft_svc.c - one NAT service's nftables objects in `table inet shoal`,
 * and the parts that direct routing (lb_nft_dr.c) shares.
 *
 * Without persistence:
 *   map <S>_rs       slot -> real server (address . port); a real server
 *                    of weight w owns w slots (scaled); for mh the Maglev
 *                    table instead (<S>_mh, one entry per slot)
 *   chain <S>        dnat to <selector> map @<S>_rs
 * With persistence, per real server D (quiesced ones included):
 *   set <S>_p_<D>    its clients (source & mask) with an idle timeout of
 *                    `persistent` seconds, filled by the kernel
 *   chain <S>_d_<D>  remember the client in <S>_p_<D>, dnat to D
 *   chain <S>_r_<D>  refresh the client's entry
 * and
 *   chain <S>        a client in some <S>_p_<D> goes to D; else
 *                    <selector> vmap @<S>_sl (slot -> goto <S>_d_<D>)
 *   map <S>_rv       real server -> goto <S>_r_<D>, from chain <S>_r,
 *                    which chain persist sends every packet of the
 *                    service to (through pmark4/6 for a fwmark service,
 *                    else psvc4/6 and the VIP's chain pv_<proto>_<VIP>)
 * A weight change refills <S>_rs or <S>_sl only: conntrack keeps every
 * connection and the persistence sets keep every client.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/lb_nft.h"
#include "lb/lb_nft_int.h"
#include "lb/lb_state.h"
#include "lb/maglev.h"

#define NM	NOBJ_NAME_MAX

/* ---- the service context ---- */

int
lb_nft_ctx_init(struct svc_ctx *c, struct nft_build *nb, enum nobj_table t,
    const struct lb_service *svc, const int *usable)
{
	size_t i, n = svc->s_ndests + 1;

	memset(c, 0, sizeof(*c));
	c->c_nb = nb;
	c->c_svc = svc;
	c->c_table = t;
	lb_nft_svc_name(&svc->s_key, c->c_name, sizeof(c->c_name));
	c->c_usable = calloc(n, sizeof(*c->c_usable));
	c->c_slots = calloc(n, sizeof(*c->c_slots));
	if (c->c_usable == NULL || c->c_slots == NULL)
		goto fail;
	for (i = 0; i < svc->s_ndests; i++)
		c->c_usable[i] = usable != NULL ? usable[i] : 1;
	c->c_total = lb_nft_slots(svc, c->c_usable, c->c_slots);
	if (lb_nft_is_maglev(svc)) {
		if ((c->c_mh = calloc(MAGLEV_SIZE, sizeof(*c->c_mh))) == NULL ||
		    lb_nft_maglev(svc, c->c_usable, c->c_mh) == -1)
			goto fail;
		if (c->c_total > 0)
			c->c_total = MAGLEV_SIZE;
	}
	return 0;
fail:
	lb_nft_ctx_free(c);
	return -1;
}

void
lb_nft_ctx_free(struct svc_ctx *c)
{
	free(c->c_usable);
	free(c->c_slots);
	free(c->c_mh);
	memset(c, 0, sizeof(*c));
}

void
lb_nft_ctx_dname(const struct svc_ctx *c, char what, size_t dest,
    char *buf, size_t len)
{
	char dn[NFT_DEST_NAME_MAX];

	lb_nft_dest_name(&c->c_svc->s_dests[dest], dn, sizeof(dn));
	snprintf(buf, len, "%s_%c_%s", c->c_name, what, dn);
}

/* ---- shared pieces ---- */

void
lb_nft_dispatch(const struct svc_ctx *c, const char *prefix,
    const char *chain)
{
	const struct lb_svc_key *k = &c->c_svc->s_key;
	struct nobjs *ol = c->c_nb->nb_out;
	char ab[INET6_ADDRSTRLEN];
	int v6 = k->ks_af == AF_INET6;
	struct nobj *o;

	o = nobj_add(ol, NOBJ_ELEM, c->c_table, "%s%s%c", prefix,
	    k->ks_fwmark != 0 ? "mark" : "svc", v6 ? '6' : '4');
	if (o == NULL)
		return;
	if (k->ks_fwmark != 0)
		sb_printf(&o->o_decl, "%u", k->ks_fwmark);
	else
		sb_printf(&o->o_decl, "%s . %s . %u", inet_ntop(k->ks_af,
		    &k->ks_addr.u, ab, sizeof(ab)),
		    cfg_protocol_name(k->ks_proto), k->ks_port);
	sb_printf(&o->o_body, ": jump %s", chain);
	nobj_ref(ol, o, chain);
}

struct nobj *
lb_nft_persist_set(const struct svc_ctx *c, size_t dest)
{
	struct nobj *o;
	char name[NM];

	lb_nft_ctx_dname(c, 'p', dest, name, sizeof(name));
	if ((o = nobj_add(c->c_nb->nb_out, NOBJ_SET, c->c_table, "%s",
	    name)) == NULL)
		return NULL;
	o->o_dynamic = 1;
	sb_printf(&o->o_decl, "set { type %s; flags dynamic,timeout; "
	    "timeout %us; size %u; }", c->c_svc->s_key.ks_af == AF_INET6 ?
	    "ipv6_addr" : "ipv4_addr", c->c_svc->s_persistent,
	    LB_NFT_DYN_SIZE);
	return o;
}

/*
 * Slot elements: "0 : V0, 1-2 : V1" from the weighted slots, or one entry
 * per Maglev slot; value() writes a real server's value.
 */
static void
slot_elements(struct sbuf *sb, const struct svc_ctx *c,
    void (*value)(struct sbuf *, const struct svc_ctx *, size_t))
{
	const struct lb_service *svc = c->c_svc;
	unsigned at = 0, i;
	size_t d;

	if (c->c_mh != NULL) {
		for (i = 0; i < MAGLEV_SIZE && c->c_total > 0; i++) {
			sb_printf(sb, "%s%u : ", i > 0 ? ", " : "", i);
			value(sb, c, (size_t)c->c_mh[i]);
		}
		return;
	}
	for (d = 0; d < svc->s_ndests; d++) {
		if (c->c_slots[d] == 0)
			continue;
		sb_printf(sb, "%s", at > 0 ? ", " : "");
		if (c->c_slots[d] == 1)
			sb_printf(sb, "%u : ", at);
		else
			sb_printf(sb, "%u-%u : ", at, at + c->c_slots[d] - 1);
		value(sb, c, d);
		at += c->c_slots[d];
	}
}

static void
value_goto(struct sbuf *sb, const struct svc_ctx *c, size_t d)
{
	char name[NM];

	lb_nft_ctx_dname(c, 'd', d, name, sizeof(name));
	sb_printf(sb, "goto %s", name);
}

struct nobj *
lb_nft_slot_vmap(const struct svc_ctx *c)
{
	struct nobjs *ol = c->c_nb->nb_out;
	char name[NM];
	struct nobj *m;
	size_t i;

	m = nobj_add(ol, NOBJ_SET, c->c_table, "%s_sl", c->c_name);
	if (m == NULL)
		return NULL;
	sb_printf(&m->o_decl, "map { typeof numgen inc mod 2 : verdict%s; }",
	    c->c_mh != NULL ? "" : "; flags interval");
	slot_elements(&m->o_body, c, value_goto);
	for (i = 0; i < c->c_svc->s_ndests; i++) {
		if (c->c_slots[i] == 0)
			continue;
		lb_nft_ctx_dname(c, 'd', i, name, sizeof(name));
		nobj_ref(ol, m, name);
	}
	return m;
}

void
lb_nft_select_rule(const struct svc_ctx *c, struct nobj *chain,
    const struct nobj *sl)
{
	if (c->c_total == 0 || sl == NULL || chain == NULL)
		return;
	lb_nft_selector(&chain->o_body, c->c_svc, c->c_total);
	sb_printf(&chain->o_body, " vmap @%s\n", sl->o_name);
	nobj_ref(c->c_nb->nb_out, chain, sl->o_name);
}

/* ---- NAT ---- */

/* "ip daddr . tcp dport" (or "ip daddr" for a fwmark service) */
static void
dest_typeof(struct sbuf *sb, const struct lb_service *svc)
{
	const struct lb_svc_key *k = &svc->s_key;

	sb_printf(sb, "%s daddr", lb_nft_fam(k->ks_af));
	if (k->ks_fwmark == 0)
		sb_printf(sb, " . %s dport", cfg_protocol_name(k->ks_proto));
}

/* "10.0.0.2 . 80" or "10.0.0.2" */
static void
dest_value(struct sbuf *sb, const struct svc_ctx *c, size_t d)
{
	const struct lb_dest *dst = &c->c_svc->s_dests[d];
	char ab[INET6_ADDRSTRLEN];

	sb_printf(sb, "%s", inet_ntop(dst->d_addr.family, &dst->d_addr.u, ab,
	    sizeof(ab)));
	if (c->c_svc->s_key.ks_fwmark == 0)
		sb_printf(sb, " . %u", dst->d_port);
}

/* "meta l4proto tcp " before a dnat that sets a port */
static void
l4proto(struct sbuf *sb, const struct lb_service *svc)
{
	if (svc->s_key.ks_fwmark == 0)
		sb_printf(sb, "meta l4proto %s ",
		    cfg_protocol_name(svc->s_key.ks_proto));
}

/*
 * A TCP connection is scheduled on its SYN only, as IPVS does.  Any other
 * first packet belongs to a connection this router does not know (after a
 * fail-over): with connection sync it is dropped, since conntrackd is about
 * to commit that connection's state (scheduling it could pick another real
 * server) and TCP sends it again; without sync it goes on unscheduled to
 * the router itself, which answers with a reset.
 */
static void
syn_only(const struct svc_ctx *c, struct nobj *ch)
{
	const struct lb_service *svc = c->c_svc;

	if (svc->s_key.ks_fwmark == 0 && svc->s_key.ks_proto != CFG_PROTO_TCP)
		return;
	sb_printf(&ch->o_body, "tcp flags & (syn | ack) != syn %s\n",
	    c->c_nb->nb_st->st_sync != LB_SYNC_NONE ? "drop" : "accept");
}

/* Without persistence: one map of real servers, one rule. */
static void
nat_plain(struct svc_ctx *c)
{
	struct nobjs *ol = c->c_nb->nb_out;
	const struct lb_service *svc = c->c_svc;
	struct nobj *m, *ch;

	if ((ch = nobj_add(ol, NOBJ_CHAIN, NT_INET, "%s", c->c_name)) ==
	    NULL || (m = nobj_add(ol, NOBJ_SET, NT_INET, "%s_%s", c->c_name,
	    c->c_mh != NULL ? "mh" : "rs")) == NULL)
		return;
	syn_only(c, ch);
	sb_printf(&m->o_decl, "map { typeof numgen inc mod 2 : ");
	dest_typeof(&m->o_decl, svc);
	sb_printf(&m->o_decl, "%s; }", c->c_mh != NULL ? "" :
	    "; flags interval");
	slot_elements(&m->o_body, c, dest_value);
	if (c->c_total > 0) {
		l4proto(&ch->o_body, svc);
		sb_printf(&ch->o_body, "dnat %s to ",
		    lb_nft_fam(svc->s_key.ks_af));
		lb_nft_selector(&ch->o_body, svc, c->c_total);
		sb_printf(&ch->o_body, " map @%s\n", m->o_name);
		nobj_ref(ol, ch, m->o_name);
	}
	lb_nft_dispatch(c, "", c->c_name);
}

/* The dnat of one real server: "meta l4proto tcp dnat ip to 1.2.3.4:80" */
static void
dnat_to(struct sbuf *sb, const struct lb_service *svc,
    const struct lb_dest *d)
{
	char ab[INET6_ADDRSTRLEN];
	int v6 = d->d_addr.family == AF_INET6;

	inet_ntop(d->d_addr.family, &d->d_addr.u, ab, sizeof(ab));
	l4proto(sb, svc);
	sb_printf(sb, "dnat %s to ", lb_nft_fam(svc->s_key.ks_af));
	if (svc->s_key.ks_fwmark != 0)
		sb_printf(sb, "%s\n", ab);
	else
		sb_printf(sb, "%s%s%s:%u\n", v6 ? "[" : "", ab, v6 ? "]" : "",
		    d->d_port);
}

/* One real server of a persistent service: its set and two chains. */
static void
persist_dest(const struct svc_ctx *c, size_t i, struct nobj *main,
    struct nobj *rv)
{
	struct nobjs *ol = c->c_nb->nb_out;
	struct sbuf cl = { 0 };
	struct nobj *set, *d, *r;

	lb_nft_client_expr(&cl, c->c_svc);
	if ((set = lb_nft_persist_set(c, i)) == NULL ||
	    (d = nobj_add(ol, NOBJ_CHAIN, NT_INET, "%s", "")) == NULL ||
	    (r = nobj_add(ol, NOBJ_CHAIN, NT_INET, "%s", "")) == NULL)
		goto done;
	lb_nft_ctx_dname(c, 'd', i, d->o_name, sizeof(d->o_name));
	lb_nft_ctx_dname(c, 'r', i, r->o_name, sizeof(r->o_name));
	sb_printf(&d->o_body, "update @%s { %s }\n", set->o_name, sb_str(&cl));
	dnat_to(&d->o_body, c->c_svc, &c->c_svc->s_dests[i]);
	nobj_ref(ol, d, set->o_name);
	sb_printf(&r->o_body, "update @%s { %s }\n", set->o_name, sb_str(&cl));
	nobj_ref(ol, r, set->o_name);
	sb_printf(&rv->o_body, "%s", rv->o_body.sb_len ? ", " : "");
	dest_value(&rv->o_body, c, i);
	sb_printf(&rv->o_body, " : goto %s", r->o_name);
	nobj_ref(ol, rv, r->o_name);
	sb_printf(&main->o_body, "%s @%s goto %s\n", sb_str(&cl), set->o_name,
	    d->o_name);
	nobj_ref(ol, main, set->o_name);
	nobj_ref(ol, main, d->o_name);
done:
	sb_free(&cl);
}

static void
nat_persistent(struct svc_ctx *c)
{
	struct nobjs *ol = c->c_nb->nb_out;
	const struct lb_service *svc = c->c_svc;
	struct nobj *main, *refresh, *rv, *sl;
	size_t i;

	/* chains before the verdict maps that name them */
	if ((main = nobj_add(ol, NOBJ_CHAIN, NT_INET, "%s", c->c_name)) ==
	    NULL || (refresh = nobj_add(ol, NOBJ_CHAIN, NT_INET, "%s_r",
	    c->c_name)) == NULL || (rv = nobj_add(ol, NOBJ_SET, NT_INET,
	    "%s_rv", c->c_name)) == NULL)
		return;
	sb_printf(&rv->o_decl, "map { typeof ");
	dest_typeof(&rv->o_decl, svc);
	sb_printf(&rv->o_decl, " : verdict; }");
	syn_only(c, main);
	for (i = 0; i < svc->s_ndests; i++)
		persist_dest(c, i, main, rv);
	sl = lb_nft_slot_vmap(c);
	lb_nft_select_rule(c, main, sl);
	sb_printf(&refresh->o_body, "%s daddr%s vmap @%s\n",
	    lb_nft_fam(svc->s_key.ks_af), svc->s_key.ks_fwmark == 0 ?
	    " . th dport" : "", rv->o_name);
	nobj_ref(ol, refresh, rv->o_name);
	lb_nft_dispatch(c, "", c->c_name);
	/* address services are reached through their VIP's chain pv_* */
	if (svc->s_key.ks_fwmark != 0)
		lb_nft_dispatch(c, "p", refresh->o_name);
}

int
lb_nft_nat_service(struct nft_build *nb, const struct lb_service *svc)
{
	struct svc_ctx c;

	if (lb_nft_ctx_init(&c, nb, NT_INET, svc, NULL) == -1)
		return -1;
	if (svc->s_persistent > 0)
		nat_persistent(&c);
	else
		nat_plain(&c);
	lb_nft_ctx_free(&c);
	return nb->nb_out->ol_err ? -1 : 0;
}
