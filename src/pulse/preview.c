/*
 * preview.c - what a candidate configuration would do to the load
 * balancer (see preview.h).
 */
#include "shoal-build.h"

#include <stdlib.h>
#include <string.h>

#include "config/lvscf.h"
#include "lb/lb.h"
#include "lb/lb_preview.h"
#include "lib/diag.h"
#include "lib/log.h"
#include "lvs.h"
#include "preview.h"

/* {"error": why, "problems": [every parse or validation error]} */
static json_t *
parse_error(const struct diag *d)
{
	const struct diag_item *it;
	json_t *p = json_array();
	char *s;

	TAILQ_FOREACH(it, &d->d_items, di_entry)
		if (it->di_sev == DIAG_ERROR && (s = diag_format(it)) != NULL) {
			json_array_append_new(p, json_string(s));
			free(s);
		}
	return json_pack("{s:s, s:o}", "error", "the candidate configuration "
	    "is not valid: nothing to preview", "problems", p);
}

/*
 * Drops from st the services the backend cannot program (a reload marks
 * them FAILED and programs the others), each reason into errors.
 */
static void
drop_refused(const struct lb *lb, const struct shoal_config *c,
    struct lb_state *st, json_t *errors)
{
	const struct cfg_virtual *cv;
	struct lb_svc_key k;
	char why[200];

	TAILQ_FOREACH(cv, &c->c_virtuals, vs_entry) {
		const struct lb_service *s;

		if (lb_svc_key_from_virtual(&k, cv) == -1 ||
		    (s = lb_state_find(st, &k)) == NULL ||
		    lb_service_runnable(lb, s, why, sizeof(why)))
			continue;
		json_array_append_new(errors, json_sprintf("virtual %s: %s: "
		    "it would not be programmed", cv->vs_name, why));
		(void)lb_state_remove(st, &k);
	}
}

/* The real server at a:port of s (any port for a fwmark service). */
static const struct lb_dest *
find_dest(const struct lb_service *s, const struct cfg_addr *a,
    uint16_t port)
{
	for (size_t i = 0; i < s->s_ndests; i++)
		if (cfg_addr_equal(&s->s_dests[i].d_addr, a) &&
		    (s->s_key.ks_fwmark != 0 || s->s_dests[i].d_port == port))
			return &s->s_dests[i];
	return NULL;
}

/* One real server of cv with its share in eff (0 when out of it). */
static json_t *
server_json(const struct lvs *l, const struct cfg_virtual *cv,
    const struct cfg_server *cs, const struct lb_service *eff,
    const double *share)
{
	char ab[CFG_ADDR_STRLEN];
	const struct lb_dest *d = NULL;
	double sh = 0;

	if (eff != NULL && (d = find_dest(eff, &cs->rs_address,
	    cs->rs_port)) != NULL)
		sh = share[d - eff->s_dests];
	return json_pack("{s:s, s:s, s:i, s:i, s:s, s:b, s:i, s:f}",
	    "name", cs->rs_name, "address", cfg_addr_str(&cs->rs_address, ab,
	    sizeof(ab)), "port", (int)cs->rs_port, "weight", cs->rs_weight,
	    "health", lvs_server_known(l, cv->vs_name, cs->rs_name,
	    &cs->rs_address, cs->rs_port), "in_lb", d != NULL,
	    "lb_weight", d != NULL ? d->d_weight : 0, "share", sh);
}

/* One virtual server: its scheduler, how shares go, its real servers. */
static json_t *
virtual_json(const struct lvs *l, const struct cfg_virtual *cv,
    const struct lb_state *eff)
{
	const struct cfg_server *cs;
	const struct lb_service *s = NULL;
	struct lb_svc_key k;
	double *share = NULL;
	char kb[LB_KEY_STRLEN];
	json_t *o, *rs = json_array();

	if (lb_svc_key_from_virtual(&k, cv) == 0)
		s = lb_state_find(eff, &k);
	if (s != NULL && (share = calloc(s->s_ndests + 1,
	    sizeof(*share))) != NULL)
		lb_service_shares(s, share);
	TAILQ_FOREACH(cs, &cv->vs_servers, rs_entry)
		if (cs->rs_active)
			json_array_append_new(rs, server_json(l, cv, cs,
			    share != NULL ? s : NULL, share));
	o = json_pack("{s:s, s:s, s:s, s:b, s:o}", "name", cv->vs_name,
	    "scheduler", cfg_scheduler_name(s != NULL ? s->s_sched :
	    cv->vs_scheduler), "shares_by", lb_share_kind_text(lb_share_kind(
	    s != NULL ? s->s_sched : cv->vs_scheduler)), "programmed",
	    s != NULL, "servers", rs);
	if (s != NULL)
		json_object_set_new(o, "service", json_string(lb_svc_key_str(
		    &s->s_key, kb, sizeof(kb))));
	free(share);
	return o;
}

static json_t *
virtuals_json(const struct lvs *l, const struct shoal_config *c,
    const struct lb_state *eff)
{
	const struct cfg_virtual *cv;
	json_t *a = json_array();

	TAILQ_FOREACH(cv, &c->c_virtuals, vs_entry)
		if (cv->vs_active)
			json_array_append_new(a, virtual_json(l, cv, eff));
	return a;
}

/* Why nothing can be previewed against this node's load balancer. */
static const char *
unavailable(const struct lvs *l, const struct shoal_config *c)
{
	const struct shoal_config *cur = l != NULL ? lvs_config(l) : NULL;

	if (l == NULL || cur == NULL)
		return "this node is not in LVS mode: it programs no load "
		    "balancer";
	if (c->c_global.g_service != CFG_MODE_LVS)
		return "the candidate is not in LVS mode: a reload removes "
		    "every service shoal programmed";
	if (lvs_lb(l) == NULL)
		return "the load balancer backend is not open on this node";
	if (c->c_global.g_lb_backend != cur->c_global.g_lb_backend)
		return "the candidate changes lvs_backend: a reload clears "
		    "the current backend and programs the other from scratch";
	return NULL;
}

/* The operations and shares of candidate c on l's load balancer. */
static json_t *
preview_config(const struct lvs *l, const struct shoal_config *c)
{
	const struct lb *lb = lvs_lb(l);
	struct lb_state want, eff;
	json_t *o, *errors = json_array();
	char err[256], *ops;
	int kind = lb_kind(lb);

	lb_state_init(&want);
	lb_state_init(&eff);
	o = json_pack("{s:s, s:s, s:b, s:I}", "backend", cfg_lb_backend_name(
	    (enum cfg_lb_backend)kind), "format", kind == CFG_LB_IPVS ?
	    "ipvsadm" : "nft", "active", lvs_is_active(l), "generation",
	    (json_int_t)lvs_generation(l));
	if (!lvs_is_active(l))
		json_object_set_new(o, "note", json_string("this node is not "
		    "the active router: the operations are those it would "
		    "perform on becoming active"));
	if (lvs_desired_for(l, c, &want) == -1) {
		json_array_append_new(errors, json_string("out of memory"));
		goto done;
	}
	drop_refused(lb, c, &want, errors);
	if ((ops = lb_preview(lb, &want, &eff, err, sizeof(err))) == NULL) {
		json_array_append_new(errors, json_string(err));
		goto done;
	}
	json_object_set_new(o, "operations", json_string(ops));
	free(ops);
	json_object_set_new(o, "virtuals", virtuals_json(l, c, &eff));
done:
	json_object_set_new(o, "errors", errors);
	lb_state_clear(&want);
	lb_state_clear(&eff);
	return o;
}

json_t *
preview_json(const struct lvs *l, const char *text, size_t len)
{
	struct shoal_config *c = NULL;
	struct diag d;
	const char *why;
	json_t *o;

	diag_init(&d);
	if (lvscf_read_buf("candidate", text, len, &c, &d) == -1) {
		o = parse_error(&d);
		diag_clear(&d);
		return o;
	}
	diag_clear(&d);
	if ((why = unavailable(l, c)) != NULL)
		o = json_pack("{s:s}", "error", why);
	else
		o = preview_config(l, c);
	config_free(c);
	return o;
}
