/*
 * connsync.c - connection sync for the role-change table (connsync.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "lib/log.h"
#include "connsync.h"
#include "ctsync.h"
#include "services.h"
#include "worker.h"

const char *
connsync_bin(void)
{
	const char *b = getenv("SHOAL_CONNTRACKD");

	return b != NULL && *b != '\0' ? b : CTSYNC_BIN_DEFAULT;
}

/* Why connection sync is off for this configuration, or NULL (wanted). */
static const char *
off_reason(const struct worker *w)
{
	const struct cfg_global *g = &w->w_cfg->c_global;
	int kind;

	if (g->g_service != CFG_MODE_LVS)
		return "not in LVS mode";
	if (!g->g_syncdaemon)
		return "syncdaemon = 0";
	if ((kind = services_lb_kind(w->w_svc)) == CFG_LB_IPVS)
		return "the IPVS backend syncs connections itself";
	if (kind != CFG_LB_NFTABLES)
		return "no load balancer backend";
	return NULL;
}

/* The configuration's node of this runtime, in nodes; NULL if none. */
static const struct cfg_node *
self_node(const struct worker *w, const struct cfg_node_list *nodes)
{
	const struct cfg_node *n;

	TAILQ_FOREACH(n, nodes, n_entry)
		if (strcmp(n->n_name, worker_self_node(w)->rn_name) == 0)
			return n;
	return NULL;
}

void
connsync_update(struct worker *w)
{
	struct cfg_node_list nodes;
	const struct cfg_node *self;
	struct ctsync_conf cc;
	const char *off;
	char why[256];

	if (w->w_sync == NULL && (w->w_sync = ctsync_new(w->w_base)) == NULL) {
		log_warnx("connection sync: out of memory");
		return;
	}
	if ((off = off_reason(w)) != NULL) {
		ctsync_set(w->w_sync, NULL, NULL, off, NULL);
		return;
	}
	TAILQ_INIT(&nodes);
	if (config_effective_nodes(w->w_cfg, &nodes) == -1) {
		log_warnx("connection sync: out of memory");
		return;
	}
	if ((self = self_node(w, &nodes)) == NULL)
		snprintf(why, sizeof(why), "this node is not in the "
		    "configuration");
	if (self == NULL || ctsync_conf_build(&cc, &nodes, self,
	    w->w_opts->po_rundir, 0, why, sizeof(why)) == -1)
		ctsync_set(w->w_sync, NULL, NULL, NULL, why);
	else
		ctsync_set(w->w_sync, connsync_bin(), &cc, NULL, NULL);
	cfg_node_list_free(&nodes);
}

void
connsync_role(struct worker *w, int active)
{
	ctsync_role(w->w_sync, active);
}

json_t *
connsync_json(const struct worker *w)
{
	if (w->w_sync == NULL)
		return json_pack("{s:s, s:s}", "state", "off", "reason",
		    "not started");
	return ctsync_json(w->w_sync);
}
