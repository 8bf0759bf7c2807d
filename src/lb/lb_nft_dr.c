/*
 * lb_nft_dr.c - direct routing (network = direct) in `table netdev shoal`,
 * the way nftlb does it: at the ingress hook of the interface holding the
 * VIP, a packet for a service gets the chosen real server's MAC as its
 * destination (and the out interface's as its source) and is sent out of
 * that interface with `fwd`, unrouted and unchanged otherwise.  The real
 * servers hold the VIP on lo (arp_ignore=1, arp_announce=2) and answer the
 * client directly: replies never pass through the router.
 *
 * Conntrack does not run at ingress, so a flow map keeps each connection
 * on its server: per service
 *   map <S>_f        client address . port -> real server MAC, idle timeout
 *                    tcp_timeout / udp_timeout (IPVS's 900 s / 300 s)
 *   map <S>_mac      MAC -> goto <S>_d_<D> for the usable real servers
 *                    (weight 0 included: their flows go on)
 *   chain <S>_d_<D>  record the flow (and the client's persistence), set
 *                    the MACs, fwd to the interface
 *   chain <S>        a known flow to a usable server goes on to it; a flow
 *                    whose server left is forgotten; a client in some
 *                    <S>_p_<D> goes to D; else <selector> vmap @<S>_sl
 * Only real servers whose MAC is known (lb_nft_env) are usable; the
 * backend reports the others as faults.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/lb_nft.h"
#include "lb/lb_nft_int.h"
#include "lb/lb_state.h"

#define NM	NOBJ_NAME_MAX

static void
mac_str(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
	    m[3], m[4], m[5]);
}

/*
 * A flow's key: "ip saddr . th sport".  IPv6 flows are keyed by a 32-bit
 * jhash of the same (nft 1.0.6 aborts on a map statement with an IPv6
 * concatenation and data): two flows with the same hash share their entry
 * and so their real server, which is still consistent for both.
 */
static void
flow_key(struct sbuf *sb, const struct lb_service *svc)
{
	if (svc->s_key.ks_af == AF_INET6)
		sb_printf(sb, "jhash ip6 saddr . th sport mod 4294967295 seed "
		    "%s", LB_NFT_SEED);
	else
		sb_printf(sb, "ip saddr . th sport");
}

/* The usable real servers: resolved, and the first of each MAC. */
static int *
usable_dests(const struct nft_build *nb, const struct lb_service *svc)
{
	const struct lb_l2 *a, *b;
	int *u;
	size_t i, j;

	if ((u = calloc(svc->s_ndests + 1, sizeof(*u))) == NULL)
		return NULL;
	for (i = 0; i < svc->s_ndests; i++) {
		a = lb_nft_env_l2(nb->nb_env, &svc->s_dests[i].d_addr);
		u[i] = a != NULL;
		for (j = 0; j < i && u[i]; j++) {
			b = lb_nft_env_l2(nb->nb_env, &svc->s_dests[j].d_addr);
			if (u[j] && memcmp(a->l2_mac, b->l2_mac, 6) == 0)
				u[i] = 0;
		}
	}
	return u;
}

/* One usable real server's chain; its MAC into the service's MAC map. */
static void
dr_dest(const struct svc_ctx *c, size_t i, struct nobj *main,
    struct nobj *macs, const char *flows)
{
	struct nobjs *ol = c->c_nb->nb_out;
	const struct lb_service *svc = c->c_svc;
	const struct lb_l2 *l2;
	struct nobj *d, *set = NULL;
	char mac[18], ifmac[18];
	struct sbuf cl = { 0 };

	l2 = lb_nft_env_l2(c->c_nb->nb_env, &svc->s_dests[i].d_addr);
	mac_str(l2->l2_mac, mac, sizeof(mac));
	mac_str(l2->l2_ifmac, ifmac, sizeof(ifmac));
	if (svc->s_persistent > 0 && (set = lb_nft_persist_set(c, i)) == NULL)
		return;
	if ((d = nobj_add(ol, NOBJ_CHAIN, NT_NETDEV, "%s", "")) == NULL)
		return;
	lb_nft_ctx_dname(c, 'd', i, d->o_name, sizeof(d->o_name));
	sb_printf(&d->o_body, "update @%s { ", flows);
	flow_key(&d->o_body, svc);
	sb_printf(&d->o_body, " : %s }\n", mac);
	nobj_ref(ol, d, flows);
	lb_nft_client_expr(&cl, svc);
	if (set != NULL) {
		sb_printf(&d->o_body, "update @%s { %s }\n", set->o_name,
		    sb_str(&cl));
		nobj_ref(ol, d, set->o_name);
		sb_printf(&main->o_body, "%s @%s goto %s\n", sb_str(&cl),
		    set->o_name, d->o_name);
		nobj_ref(ol, main, set->o_name);
		nobj_ref(ol, main, d->o_name);
	}
	sb_printf(&d->o_body, "ether saddr set %s ether daddr set %s fwd to "
	    "\"%s\"\n", ifmac, mac, l2->l2_ifname);
	sb_printf(&macs->o_body, "%s%s : goto %s", macs->o_body.sb_len ?
	    ", " : "", mac, d->o_name);
	nobj_ref(ol, macs, d->o_name);
	sb_free(&cl);
}

/* The service chain's first rules: known flows. */
static void
flow_rules(struct nobjs *ol, struct nobj *main, const struct lb_service *svc,
    const char *flows, const char *macs)
{
	sb_printf(&main->o_body, "ether daddr set ");
	flow_key(&main->o_body, svc);
	sb_printf(&main->o_body, " map @%s\nether daddr vmap @%s\ndelete @%s "
	    "{ ", flows, macs, flows);
	flow_key(&main->o_body, svc);
	sb_printf(&main->o_body, " : ether daddr }\n");
	nobj_ref(ol, main, flows);
	nobj_ref(ol, main, macs);
}

static void
dr_build(struct svc_ctx *c)
{
	struct nobjs *ol = c->c_nb->nb_out;
	const struct lb_service *svc = c->c_svc;
	struct nobj *main, *flows, *macs, *sl;
	size_t i;

	/* chains before the verdict maps that name them */
	if ((main = nobj_add(ol, NOBJ_CHAIN, NT_NETDEV, "%s", c->c_name)) ==
	    NULL || (flows = nobj_add(ol, NOBJ_SET, NT_NETDEV, "%s_f",
	    c->c_name)) == NULL || (macs = nobj_add(ol, NOBJ_SET, NT_NETDEV,
	    "%s_mac", c->c_name)) == NULL)
		return;
	flows->o_dynamic = 1;
	/* a 32-bit integer key: `typeof jhash ...` makes nft 1.0.6 crash
	   when it lists the map */
	if (svc->s_key.ks_af == AF_INET6)
		sb_printf(&flows->o_decl, "map { typeof numgen inc mod 2 : "
		    "ether daddr; ");
	else
		sb_printf(&flows->o_decl, "map { type ipv4_addr . "
		    "inet_service : ether_addr; ");
	sb_printf(&flows->o_decl, "flags dynamic,timeout; timeout %us; "
	    "size %u; }", lb_nft_flow_timeout(c->c_nb->nb_st,
	    svc->s_key.ks_proto), LB_NFT_DYN_SIZE);
	sb_printf(&macs->o_decl, "map { type ether_addr : verdict; }");
	flow_rules(ol, main, svc, flows->o_name, macs->o_name);
	for (i = 0; i < svc->s_ndests; i++)
		if (c->c_usable[i])
			dr_dest(c, i, main, macs, flows->o_name);
	sl = lb_nft_slot_vmap(c);
	lb_nft_select_rule(c, main, sl);
	lb_nft_dispatch(c, "d", c->c_name);
}

int
lb_nft_dr_service(struct nft_build *nb, const struct lb_service *svc)
{
	struct svc_ctx c;
	int *usable;
	int rc;

	if ((usable = usable_dests(nb, svc)) == NULL)
		return -1;
	rc = lb_nft_ctx_init(&c, nb, NT_NETDEV, svc, usable);
	free(usable);
	if (rc == -1)
		return -1;
	dr_build(&c);
	lb_nft_ctx_free(&c);
	return nb->nb_out->ol_err ? -1 : 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The ingress chain, hooked on every interface holding a direct-routing
 * VIP (sorted, once each).  None: no chain (the backend reports the
 * services whose VIP is on no interface).
 */
int
lb_nft_dr_ingress(struct nft_build *nb)
{
	const struct lb_state *st = nb->nb_st;
	const char **devs, *dev;
	struct nobj *o;
	size_t i, n = 0, j;

	if ((devs = calloc(st->st_nsvcs + 1, sizeof(*devs))) == NULL)
		return -1;
	for (i = 0; i < st->st_nsvcs; i++) {
		if (st->st_svcs[i].s_fwd != CFG_NET_DIRECT ||
		    (dev = lb_nft_env_vip(nb->nb_env,
		    &st->st_svcs[i].s_key.ks_addr)) == NULL)
			continue;
		for (j = 0; j < n && strcmp(devs[j], dev) != 0; j++)
			;
		if (j == n)
			devs[n++] = dev;
	}
	qsort(devs, n, sizeof(*devs), name_cmp);
	if (n > 0 && (o = nobj_add(nb->nb_out, NOBJ_CHAIN, NT_NETDEV,
	    "ingress")) != NULL) {
		/* after the administrator's own ingress filters (< 100) */
		sb_printf(&o->o_decl, "{ type filter hook ingress devices = { ");
		for (i = 0; i < n; i++)
			sb_printf(&o->o_decl, "%s\"%s\"", i > 0 ? ", " : "",
			    devs[i]);
		sb_printf(&o->o_decl, " } priority 100; policy accept; }");
		sb_printf(&o->o_body, "ip daddr . meta l4proto . th dport "
		    "vmap @dsvc4\nip6 daddr . meta l4proto . th dport vmap "
		    "@dsvc6\n");
		nobj_ref(nb->nb_out, o, "dsvc4");
		nobj_ref(nb->nb_out, o, "dsvc6");
	}
	free(devs);
	return nb->nb_out->ol_err ? -1 : 0;
}
