/*
 * lb_nft.h - the nftables backend's pure parts, for the backend, its tests
 * and tests/lbctl: what the ruleset generator needs beyond the desired
 * state (layer-2 facts for direct routing), the generator itself, and what
 * the backend can run.  pulse uses lb.h only.
 *
 * shoal's nftables state lives in two tables and nowhere else:
 *
 *   table inet shoal     NAT (network = nat): dnat in the nat hooks, with
 *                        conntrack keeping every connection on its server
 *   table netdev shoal   direct routing (network = direct): at the ingress
 *                        hook of the interfaces holding the VIPs, a
 *                        packet's destination MAC is rewritten to the
 *                        chosen real server's and the frame is sent out
 *                        (`fwd`) without routing, as nftlb does; a flow map
 *                        (client address and port, with an idle timeout)
 *                        keeps a connection on its server, since conntrack
 *                        does not run at ingress
 *
 * Schedulers: rr and wrr (numgen over weighted slots), sh (jhash of the
 * client), dh (jhash of the destination), mh (a Maglev table, maglev.h,
 * looked up by jhash of the client).  lc, wlc, sed, nq, lblc and lblcr need
 * per-server connection counts, which nftables does not keep: refused.
 * Persistence: per real server a dynamic set of client networks (address
 * and'ed with the exact persistence mask) with an idle timeout of
 * `persistent` seconds, refreshed by every packet of the client's
 * connections; a known client goes to its server while that server is in
 * the service (even quiesced, as IPVS does).
 */
#ifndef SHOAL_LB_NFT_H
#define SHOAL_LB_NFT_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lb/lb_state.h"

#define LB_NFT_TABLE	"shoal"		/* table inet shoal, netdev shoal */
#define LB_NFT_SEED	"0x73686f61"	/* jhash seed: fixed, stable */
/* Idle timeouts of direct-routing flows when the state sets none (IPVS's) */
#define LB_NFT_TCP_FLOW_S	900
#define LB_NFT_UDP_FLOW_S	300
/* Most entries of a dynamic set (flows, persistence) per service/server */
#define LB_NFT_DYN_SIZE		1048576

/* What direct routing needs to send a frame to one real server. */
struct lb_l2 {
	char		 l2_ifname[CFG_IFNAME_MAX + 1];	/* out interface */
	uint8_t		 l2_ifmac[6];	/* its MAC: the frame's source */
	uint8_t		 l2_mac[6];	/* the real server's MAC */
};

/*
 * The layer-2 facts of one apply: resolved real servers, and which
 * interface holds each VIP of a direct-routing service.  A real server not
 * listed is unresolved: it takes no traffic.  Owned by whoever built it;
 * lb_nft_env_clear() frees the arrays.
 */
struct lb_nft_env {
	size_t		 ne_nl2;
	struct lb_nft_l2ent {
		struct cfg_addr	 e_addr;
		struct lb_l2	 e_l2;
	}		*ne_l2;
	size_t		 ne_nvips;
	struct lb_nft_vipdev {
		struct cfg_addr	 v_addr;
		char		 v_ifname[CFG_IFNAME_MAX + 1];
	}		*ne_vips;
};

void lb_nft_env_init(struct lb_nft_env *);
void lb_nft_env_clear(struct lb_nft_env *);
/* Adds a resolved address / a VIP's interface; 0 or -1 (ENOMEM). */
int lb_nft_env_add_l2(struct lb_nft_env *, const struct cfg_addr *,
    const struct lb_l2 *);
int lb_nft_env_add_vip(struct lb_nft_env *, const struct cfg_addr *,
    const char *ifname);
const struct lb_l2 *lb_nft_env_l2(const struct lb_nft_env *,
    const struct cfg_addr *);
const char *lb_nft_env_vip(const struct lb_nft_env *,
    const struct cfg_addr *);
/* Deep copy into an initialised dst (cleared first); 0 or -1. */
int lb_nft_env_copy(struct lb_nft_env *dst, const struct lb_nft_env *src);

/*
 * The nft script that turns (old, oenv) into (want, env) inside shoal's
 * tables, as one batch.  old NULL: replace both tables whole (create,
 * delete, create: one transaction that also removes whatever a previous
 * run left).  Else only the differences.  env / oenv may be NULL (no
 * layer-2 facts: direct-routing real servers are all unresolved).  Returns
 * a malloc'ed string ("" when nothing changes) the caller frees, or NULL
 * after logging (ENOMEM, or a state lb_nft_check_service() refuses).
 */
char *lb_nft_script(const struct lb_state *old, const struct lb_nft_env *oenv,
    const struct lb_state *want, const struct lb_nft_env *env);

/*
 * Whether the nftables backend can run a service: its forwarding method,
 * scheduler, fwmark and ports.  Reports every problem through why (NULL:
 * logged; lb_state.h), the reason naming the setting, and returns their
 * number.
 */
int lb_nft_check_service(const struct lb_service *, struct lb_why *why);

/*
 * 1 when the ruleset generator has rules for svc: NAT or direct routing
 * (without a fwmark, real servers on the service's port) with rr, wrr,
 * sh, dh or mh.  Its own statement of what it implements, which a unit
 * test holds against config/lbcaps.h's table.
 */
int lb_nft_expressible(const struct lb_service *);

/*
 * The scheduler nftables runs in place of one it lacks when the backend
 * was chosen by `auto` (the configuration's check warned): lc -> rr; wlc,
 * sed, nq -> wrr; lblc, lblcr -> dh.  -1 when s needs no fallback.  With
 * lvs_backend = nftables these schedulers are refused instead.
 */
int lb_nft_fallback(enum cfg_scheduler s);

#endif
