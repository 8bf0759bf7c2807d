/*
 * lbcaps.h - what each load balancer backend can run, in one table: for a
 * virtual service's forwarding method, scheduler and ports, whether the
 * backend runs it, runs something else in its place (a fallback, used only
 * when lvs_backend = auto picked nftables), or cannot run it at all, with
 * the sentence a user reads.
 *
 * Who reads it:
 *   - validate.c: with lvs_backend = nftables every refusal is an error
 *     naming the field (shoalctl config check / import, the web API); with
 *     auto, a warning naming what a node without IPVS would do instead;
 *   - src/lb: the nftables backend refuses and falls back by this table
 *     (lb_nft_check_service(), lb_nft_fallback()), and its unit test
 *     asserts that the ruleset generator runs exactly the combinations
 *     the table accepts;
 *   - pulse: a service no backend fallback can run is not programmed and
 *     its VIP is not taken (runtime.c).
 * The config layer includes no src/lb header: the table is the contract
 * both sides hold to.
 */
#ifndef SHOAL_LBCAPS_H
#define SHOAL_LBCAPS_H

#include <stddef.h>

#include "config/config.h"

enum lbcap_verdict {
	LBCAP_OK,
	LBCAP_FALLBACK,		/* refused; under auto, runs as lr_fallback */
	LBCAP_REFUSED,		/* refused; nothing can stand in */
};

/* Which setting a verdict is about (the field to name in an error). */
enum lbcap_what {
	LBCAP_NETWORK,		/* global network (forwarding method) */
	LBCAP_SCHEDULER,	/* virtual scheduler */
	LBCAP_FWMARK,		/* virtual fwmark */
	LBCAP_PORT,		/* a real server's port */
};

/* The shape of a virtual service, as far as a backend cares. */
struct lbcap_service {
	enum cfg_network	 ls_fwd;
	enum cfg_scheduler	 ls_sched;
	int			 ls_fwmark;	/* a fwmark service */
	int			 ls_port_differs; /* a real server listens
						    on another port */
};

struct lbcap_result {
	enum lbcap_verdict	 lr_verdict;
	enum lbcap_what		 lr_what;
	enum cfg_scheduler	 lr_fallback;	/* LBCAP_FALLBACK */
	const char		*lr_why;	/* static sentence */
};

#define LBCAP_MAX_RESULTS	4

/*
 * What backend kind (CFG_LB_IPVS or CFG_LB_NFTABLES) does with svc: every
 * problem into res (at most LBCAP_MAX_RESULTS), in table order.  Returns
 * their number; 0 = the backend runs svc as configured.
 */
size_t lbcap_check(enum cfg_lb_backend kind, const struct lbcap_service *svc,
    struct lbcap_result *res);

/* The shape of a configured virtual server (network from the global). */
void lbcap_service_of(struct lbcap_service *, const struct shoal_config *,
    const struct cfg_virtual *);

/* The lvs.cf key a verdict is about: "network", "scheduler", "fwmark",
 * "port". */
const char *lbcap_what_key(enum lbcap_what);

struct diag;

/*
 * Checks every active virtual server of an LVS configuration against the
 * table for its lvs_backend, into d: with nftables each refusal is an
 * error; with auto a warning saying what a node without IPVS does instead
 * (runs the fallback, or does not program the service and takes no VIP
 * for it); with ipvs nothing.  Items name the field (global.network,
 * virtual[web].scheduler, virtual[web].fwmark, server[web/r1].port) and,
 * for a configuration read from a file, its FILE:LINE:COL.
 */
void lbcaps_validate(const struct shoal_config *, struct diag *d);

#endif
