/*
 * lbcaps.c - the backends' capability table (see lbcaps.h).
 */
#include "shoal-build.h"

#include <string.h>

#include "config/lbcaps.h"

/*
 * One row: for backend b, when the setting `what` has value v (for
 * LBCAP_FWMARK and LBCAP_PORT: when the forwarding method is v and the
 * service has a fwmark / a real server on another port), the verdict.
 * IPVS runs everything the configuration can say: no rows.
 */
struct lbcap_row {
	enum cfg_lb_backend	 r_backend;
	enum lbcap_what		 r_what;
	int			 r_value;
	enum lbcap_verdict	 r_verdict;
	enum cfg_scheduler	 r_fallback;
	const char		*r_why;
};

#define NFT	CFG_LB_NFTABLES
#define COUNTS	"needs per-server connection counts, which the nftables " \
		"backend does not keep (it runs rr, wrr, sh, dh and mh)"

static const struct lbcap_row rows[] = {
	{ NFT, LBCAP_NETWORK, CFG_NET_TUNNEL, LBCAP_REFUSED, 0,
	  "network = tunnel (IP-in-IP) is IPVS only: the nftables backend "
	  "does NAT and direct routing" },
	{ NFT, LBCAP_FWMARK, CFG_NET_DIRECT, LBCAP_REFUSED, 0,
	  "a fwmark service with network = direct: the nftables backend "
	  "routes directly at the ingress hook, before any mark is set" },
	{ NFT, LBCAP_PORT, CFG_NET_DIRECT, LBCAP_REFUSED, 0,
	  "network = direct cannot change the port: every real server must "
	  "listen on the virtual server's port" },
	{ NFT, LBCAP_SCHEDULER, CFG_SCHED_LC, LBCAP_FALLBACK, CFG_SCHED_RR,
	  "scheduler = lc " COUNTS },
	{ NFT, LBCAP_SCHEDULER, CFG_SCHED_WLC, LBCAP_FALLBACK, CFG_SCHED_WRR,
	  "scheduler = wlc " COUNTS },
	{ NFT, LBCAP_SCHEDULER, CFG_SCHED_SED, LBCAP_FALLBACK, CFG_SCHED_WRR,
	  "scheduler = sed " COUNTS },
	{ NFT, LBCAP_SCHEDULER, CFG_SCHED_NQ, LBCAP_FALLBACK, CFG_SCHED_WRR,
	  "scheduler = nq " COUNTS },
	{ NFT, LBCAP_SCHEDULER, CFG_SCHED_LBLC, LBCAP_FALLBACK, CFG_SCHED_DH,
	  "scheduler = lblc " COUNTS },
	{ NFT, LBCAP_SCHEDULER, CFG_SCHED_LBLCR, LBCAP_FALLBACK, CFG_SCHED_DH,
	  "scheduler = lblcr " COUNTS },
};

static int
row_applies(const struct lbcap_row *r, const struct lbcap_service *s)
{
	switch (r->r_what) {
	case LBCAP_NETWORK:
		return (int)s->ls_fwd == r->r_value;
	case LBCAP_SCHEDULER:
		return (int)s->ls_sched == r->r_value;
	case LBCAP_FWMARK:
		return s->ls_fwmark && (int)s->ls_fwd == r->r_value;
	case LBCAP_PORT:
		return s->ls_port_differs && !s->ls_fwmark &&
		    (int)s->ls_fwd == r->r_value;
	}
	return 0;
}

size_t
lbcap_check(enum cfg_lb_backend kind, const struct lbcap_service *svc,
    struct lbcap_result *res)
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].r_backend != kind || !row_applies(&rows[i], svc) ||
		    n == LBCAP_MAX_RESULTS)
			continue;
		res[n].lr_verdict = rows[i].r_verdict;
		res[n].lr_what = rows[i].r_what;
		res[n].lr_fallback = rows[i].r_fallback;
		res[n].lr_why = rows[i].r_why;
		n++;
	}
	return n;
}

void
lbcap_service_of(struct lbcap_service *s, const struct shoal_config *c,
    const struct cfg_virtual *vs)
{
	const struct cfg_server *rs;

	memset(s, 0, sizeof(*s));
	s->ls_fwd = c->c_global.g_network;
	s->ls_sched = vs->vs_scheduler;
	s->ls_fwmark = vs->vs_fwmark != 0;
	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry)
		if (rs->rs_active && rs->rs_port != vs->vs_port)
			s->ls_port_differs = 1;
	if (cfg_addr_is_set(&vs->vs_sorry_server) && vs->vs_sorry_port != 0 &&
	    vs->vs_sorry_port != vs->vs_port)
		s->ls_port_differs = 1;
}

const char *
lbcap_what_key(enum lbcap_what w)
{
	switch (w) {
	case LBCAP_NETWORK:
		return "network";
	case LBCAP_SCHEDULER:
		return "scheduler";
	case LBCAP_FWMARK:
		return "fwmark";
	case LBCAP_PORT:
		return "port";
	}
	return "?";
}
