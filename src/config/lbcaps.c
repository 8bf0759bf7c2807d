/*
 * lbcaps.c - the backends' capability table (see lbcaps.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <string.h>

#include "config/lbcaps.h"
#include "lib/diag.h"

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

/* ---- validation ---- */

/* Where a verdict points: field path and source position. */
struct lbcap_where {
	char		 w_field[2 * CFG_NAME_MAX + 32];
	const char	*w_file;
	int		 w_line;
	int		 w_col;
};

static void
where_at(struct lbcap_where *w, const struct shoal_config *c,
    const struct cfg_srcmap *src, const char *key)
{
	const struct cfg_keypos *kp;

	w->w_file = NULL;
	w->w_line = w->w_col = 0;
	if (c->c_file != NULL && src != NULL &&
	    (kp = cfg_srcmap_find(src, key)) != NULL) {
		w->w_file = c->c_file;
		w->w_line = kp->kp_line;
		w->w_col = kp->kp_col;
	}
}

/* The first active real server on another port than its virtual's. */
static const struct cfg_server *
port_differs(const struct cfg_virtual *vs)
{
	const struct cfg_server *rs;

	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry)
		if (rs->rs_active && rs->rs_port != vs->vs_port)
			return rs;
	return NULL;
}

static void
where_of(struct lbcap_where *w, const struct shoal_config *c,
    const struct cfg_virtual *vs, enum lbcap_what what)
{
	const struct cfg_server *rs;

	switch (what) {
	case LBCAP_NETWORK:
		snprintf(w->w_field, sizeof(w->w_field), "global.network");
		where_at(w, c, c->c_global.g_src, "network");
		return;
	case LBCAP_PORT:
		if ((rs = port_differs(vs)) != NULL) {
			snprintf(w->w_field, sizeof(w->w_field),
			    "server[%s/%s].port", vs->vs_name, rs->rs_name);
			where_at(w, c, rs->rs_src, "port");
			return;
		}
		snprintf(w->w_field, sizeof(w->w_field), "virtual[%s].%s",
		    vs->vs_name, "sorry_port");
		where_at(w, c, vs->vs_src, "sorry_port");
		return;
	case LBCAP_SCHEDULER:
	case LBCAP_FWMARK:
		snprintf(w->w_field, sizeof(w->w_field), "virtual[%s].%s",
		    vs->vs_name, lbcap_what_key(what));
		where_at(w, c, vs->vs_src, lbcap_what_key(what));
		return;
	}
}

static void
report(const struct shoal_config *c, const struct cfg_virtual *vs,
    const struct lbcap_result *r, struct diag *d)
{
	enum cfg_lb_backend b = c->c_global.g_lb_backend;
	struct lbcap_where w;

	where_of(&w, c, vs, r->lr_what);
	if (b == CFG_LB_NFTABLES)
		diag_add(d, DIAG_ERROR, w.w_file, w.w_line, w.w_col, w.w_field,
		    "%s (lvs_backend = nftables; IPVS runs it)", r->lr_why);
	else if (r->lr_verdict == LBCAP_FALLBACK)
		diag_add(d, DIAG_WARNING, w.w_file, w.w_line, w.w_col,
		    w.w_field, "%s: on a node without IPVS, lvs_backend = "
		    "auto falls back to nftables, which runs it as %s",
		    r->lr_why, cfg_scheduler_name(r->lr_fallback));
	else
		diag_add(d, DIAG_WARNING, w.w_file, w.w_line, w.w_col,
		    w.w_field, "%s: on a node without IPVS, lvs_backend = "
		    "auto falls back to nftables, which cannot run it: the "
		    "service is not programmed there and its VIP not taken",
		    r->lr_why);
}

void
lbcaps_validate(const struct shoal_config *c, struct diag *d)
{
	struct lbcap_result res[LBCAP_MAX_RESULTS];
	const struct cfg_virtual *vs;
	struct lbcap_service ls;
	int network_said = 0;
	size_t i, n;

	if (c->c_global.g_service != CFG_MODE_LVS ||
	    c->c_global.g_lb_backend == CFG_LB_IPVS)
		return;
	TAILQ_FOREACH(vs, &c->c_virtuals, vs_entry) {
		if (!vs->vs_active)
			continue;
		lbcap_service_of(&ls, c, vs);
		n = lbcap_check(CFG_LB_NFTABLES, &ls, res);
		for (i = 0; i < n; i++) {
			/* the global network is said once */
			if (res[i].lr_what == LBCAP_NETWORK && network_said++)
				continue;
			report(c, vs, &res[i], d);
		}
	}
}
