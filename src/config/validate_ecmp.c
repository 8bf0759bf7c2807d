/*
 * validate_ecmp.c - the rules of director_mode = ecmp (see
 * validate_ecmp.h), so that a combination the directors cannot run
 * together is refused when it is configured.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"
#include "config/validate_ecmp.h"
#include "lib/diag.h"

struct ectx {
	struct diag		*e_diag;
	const char		*e_file;
};

static void
report(struct ectx *e, enum diag_sev sev, const struct cfg_srcmap *src,
    const char *field, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* One problem at field.key, at key's position in the file when known. */
static void
report(struct ectx *e, enum diag_sev sev, const struct cfg_srcmap *src,
    const char *field, const char *key, const char *fmt, ...)
{
	const struct cfg_keypos *kp = NULL;
	char path[CFG_NAME_MAX * 2 + 48], *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	snprintf(path, sizeof(path), "%s.%s", field, key);
	if (e->e_file != NULL && src != NULL)
		kp = cfg_srcmap_find(src, key);
	diag_add(e->e_diag, sev, kp != NULL ? e->e_file : NULL,
	    kp != NULL ? kp->kp_line : 0, kp != NULL ? kp->kp_col : 0, path,
	    "%s", msg != NULL ? msg : "out of memory");
	free(msg);
}

static void
check_global(struct ectx *e, const struct shoal_config *c)
{
	const struct cfg_global *g = &c->c_global;

	if (g->g_service != CFG_MODE_LVS)
		report(e, DIAG_ERROR, g->g_src, "global", "director_mode",
		    "director_mode = ecmp is for load balancing (service = "
		    "lvs)");
	if (g->g_network == CFG_NET_NAT)
		report(e, DIAG_ERROR, g->g_src, "global", "network",
		    "director_mode = ecmp needs network = direct or tunnel: "
		    "with nat every reply would have to return through the "
		    "one director that saw the request");
	if (g->g_syncdaemon)
		report(e, DIAG_ERROR, g->g_src, "global", "syncdaemon",
		    "director_mode = ecmp: every director serves, so there is "
		    "no backup to sync to; consistent hashing (scheduler mh) "
		    "keeps a flow on its real server instead");
	if (TAILQ_EMPTY(&c->c_nodes))
		report(e, DIAG_ERROR, g->g_src, "global", "director_mode",
		    "director_mode = ecmp needs node blocks, each with its "
		    "BGP session (bgp_as, bgp_neighbor, bgp_neighbor_as)");
}

static void
check_node(struct ectx *e, const struct cfg_node *n)
{
	char f[CFG_NAME_MAX + 8];

	snprintf(f, sizeof(f), "node[%s]", n->n_name ? n->n_name : "");
	if (n->n_bgp_as == 0)
		report(e, DIAG_ERROR, n->n_src, f, "bgp_as", "director_mode = "
		    "ecmp: node %s needs bgp_as (its autonomous system)",
		    n->n_name);
	if (!cfg_addr_is_set(&n->n_bgp_neighbor))
		report(e, DIAG_ERROR, n->n_src, f, "bgp_neighbor",
		    "director_mode = ecmp: node %s needs bgp_neighbor (the "
		    "upstream router's address)", n->n_name);
	if (n->n_bgp_neighbor_as == 0)
		report(e, DIAG_ERROR, n->n_src, f, "bgp_neighbor_as",
		    "director_mode = ecmp: node %s needs bgp_neighbor_as",
		    n->n_name);
}

/* Advice, not an error: what breaks flows that move between directors. */
static void
check_sched(struct ectx *e, const struct cfg_virtual *v, const char *f)
{
	if (v->vs_scheduler != CFG_SCHED_MH)
		report(e, DIAG_WARNING, v->vs_src, f, "scheduler",
		    "director_mode = ecmp: scheduler %s is not shared by the "
		    "directors: a connection that the upstream router moves "
		    "to another director (when one leaves or returns) may be "
		    "sent to another real server and break; use mh",
		    cfg_scheduler_name(v->vs_scheduler));
	if (v->vs_persistent != 0)
		report(e, DIAG_WARNING, v->vs_src, f, "persistent",
		    "director_mode = ecmp: persistence is kept by each "
		    "director alone; mh already keeps a client on its real "
		    "server on every director");
}

static void
check_virtual(struct ectx *e, const struct shoal_config *c,
    const struct cfg_virtual *v)
{
	int host = v->vs_address.family == AF_INET6 ? 128 : 32;
	const struct cfg_node *n;
	char f[CFG_NAME_MAX + 12];

	snprintf(f, sizeof(f), "virtual[%s]", v->vs_name ? v->vs_name : "");
	if (v->vs_nmask >= 0 && v->vs_nmask != host)
		report(e, DIAG_ERROR, v->vs_src, f, "vip_nmask",
		    "director_mode = ecmp routes each VIP as a host route: "
		    "leave vip_nmask unset (or /%d)", host);
	TAILQ_FOREACH(n, &c->c_nodes, n_entry)
		if (cfg_addr_is_set(&n->n_bgp_neighbor) &&
		    cfg_addr_is_set(&v->vs_address) &&
		    n->n_bgp_neighbor.family != v->vs_address.family) {
			report(e, DIAG_ERROR, v->vs_src, f, "address",
			    "director_mode = ecmp: node %s's bgp_neighbor is "
			    "IPv%d, it cannot announce this IPv%d address",
			    n->n_name, n->n_bgp_neighbor.family == AF_INET ?
			    4 : 6, v->vs_address.family == AF_INET ? 4 : 6);
			break;
		}
	check_sched(e, v, f);
}

/* BGP settings without ecmp do nothing: say so. */
static void
check_unused(struct ectx *e, const struct shoal_config *c)
{
	const struct cfg_node *n;
	char f[CFG_NAME_MAX + 8];

	TAILQ_FOREACH(n, &c->c_nodes, n_entry)
		if (n->n_bgp_as != 0 || cfg_addr_is_set(&n->n_bgp_neighbor)) {
			snprintf(f, sizeof(f), "node[%s]", n->n_name ?
			    n->n_name : "");
			report(e, DIAG_WARNING, n->n_src, f, "bgp_as",
			    "the BGP session is used only with director_mode "
			    "= ecmp");
		}
}

void
config_validate_ecmp(const struct shoal_config *c, struct diag *d)
{
	struct ectx e = { d, c->c_file };
	const struct cfg_node *n;
	const struct cfg_virtual *v;

	if (c->c_global.g_director_mode != CFG_DIRECTOR_ECMP) {
		check_unused(&e, c);
		return;
	}
	check_global(&e, c);
	TAILQ_FOREACH(n, &c->c_nodes, n_entry)
		check_node(&e, n);
	TAILQ_FOREACH(v, &c->c_virtuals, vs_entry)
		if (v->vs_active)
			check_virtual(&e, c, v);
}
