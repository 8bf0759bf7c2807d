/*
 * lb_l2.h - layer-2 facts for direct routing on nftables, from the
 * kernel's routing and neighbour tables (rtnetlink): which interface
 * reaches a real server, its MAC and ours, and which interface holds a
 * VIP.  Used by the nftables backend only (lb_nft.c).
 *
 * Nothing here blocks on the network: an unknown neighbour is asked for
 * (the kernel sends the ARP request or neighbour solicitation) and the
 * answer is read by a later call.
 */
#ifndef SHOAL_LB_L2_H
#define SHOAL_LB_L2_H

#include <stddef.h>

#include "lb/lb_nft.h"
#include "lib/cfg_addr.h"

enum lb_l2_result {
	LB_L2_OK,		/* l2 filled */
	LB_L2_PENDING,		/* being resolved: ask again soon */
	LB_L2_FAILED,		/* why says why; asked again */
};

struct lb_l2_ctx;

/* An rtnetlink socket; NULL (logged) when it cannot be opened. */
struct lb_l2_ctx *lb_l2_open(void);
void lb_l2_close(struct lb_l2_ctx *);

/*
 * Where frames to addr go: the interface of the route to it (which must be
 * a directly connected network, not via a gateway, not local), that
 * interface's MAC and addr's MAC from the neighbour table.  When the
 * neighbour is unknown, incomplete or failed, asks the kernel to resolve
 * it (RTM_NEWNEIGH with NTF_USE) and returns PENDING or FAILED.  why (may
 * be NULL) gets a sentence for PENDING and FAILED ("no ARP reply from
 * 10.0.0.5 on eth1").
 */
enum lb_l2_result lb_l2_resolve(struct lb_l2_ctx *, const struct cfg_addr *,
    struct lb_l2 *l2, char *why, size_t whylen);

/*
 * The interface where packets for addr arrive, its name into ifname.
 * 0: the Ethernet interface holding addr.  1: a non-Ethernet interface
 * holds it (the loopback of a director behind an ECMP router): ifname is
 * the default route's interface, or "" without a default route.  -1: no
 * interface holds addr.
 */
int lb_l2_addr_dev(struct lb_l2_ctx *, const struct cfg_addr *,
    char *ifname, size_t len);

#endif
