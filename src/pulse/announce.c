/*
 * announce.c - which VIPs this director announces (see announce.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"
#include "announce.h"
#include "announce_drv.h"
#include "services.h"
#include "vip.h"
#include "worker.h"

#define WHY_MAX		160

/* The announcements are the runtime's RT_VIP_ROUTE entries. */
static int
is_route(const struct worker *w, size_t i)
{
	return w->w_rt->rt_vips[i].rv_kind == RT_VIP_ROUTE;
}

struct announce {
	struct worker	*a_w;
	struct rd	*a_rd;		/* NULL when not in ECMP mode */
	int		 a_on;		/* ACTIVE */
	char		(*a_why)[WHY_MAX];	/* per rt_vip: why not held */
	size_t		 a_n;
	int		 a_hold;	/* a newer config is announced */
	char		 a_mismatch[512];	/* peers on another config */
};

static void
rd_changed(void *arg)
{
	announce_evaluate(arg);
}

/* The driver's view of the runtime configuration. */
static int
conf_from_rt(const struct worker *w, struct rd_conf *c)
{
	const struct pulse_rt *rt = w->w_rt;
	const struct rt_routing *rr = &rt->rt_routing;
	const struct rt_node *self = worker_self_node(w);

	memset(c, 0, sizeof(*c));
	if ((c->rc_vips = calloc(rt->rt_nvips + 1, sizeof(*c->rc_vips))) ==
	    NULL)
		return -1;
	str_copy(c->rc_node, self->rn_name, sizeof(c->rc_node));
	c->rc_generation = rt->rt_generation;
	c->rc_local_as = rr->rr_local_as;
	c->rc_peer_as = rr->rr_peer_as;
	c->rc_peer = rr->rr_peer;
	c->rc_hold_s = rr->rr_hold_s;
	for (size_t i = 0; i < self->rn_naddrs; i++)
		if (self->rn_addrs[i].family == rr->rr_peer.family) {
			c->rc_local = self->rn_addrs[i];
			break;
		}
	str_copy(c->rc_socket, rr->rr_socket, sizeof(c->rc_socket));
	str_copy(c->rc_file, rr->rr_file, sizeof(c->rc_file));
	for (size_t i = 0; i < rt->rt_nvips; i++) {
		struct rd_vip *v = &c->rc_vips[c->rc_nvips];

		if (!is_route(w, i))
			continue;
		v->rv_addr = rt->rt_vips[i].rv_addr;
		v->rv_prefix = rt->rt_vips[i].rv_prefix;
		str_copy(v->rv_dev, rt->rt_vips[i].rv_dev, sizeof(v->rv_dev));
		c->rc_nvips++;
	}
	return 0;
}

/* Follows the runtime: driver on or off, settings, one reason per VIP. */
static int
setup(struct announce *a)
{
	const struct pulse_rt *rt = a->a_w->w_rt;
	char (*why)[WHY_MAX];
	struct rd_conf c;

	if ((why = calloc(rt->rt_nvips + 1, sizeof(*why))) == NULL)
		return -1;
	free(a->a_why);
	a->a_why = why;
	a->a_n = rt->rt_nvips;
	if (!rt->rt_ecmp) {
		rd_close(a->a_rd);
		a->a_rd = NULL;
		return 0;
	}
	if (a->a_rd == NULL &&
	    (a->a_rd = rd_open(a->a_w->w_base, rd_changed, a)) == NULL)
		return -1;
	if (conf_from_rt(a->a_w, &c) == -1)
		return -1;
	(void)rd_configure(a->a_rd, &c);	/* a failure is in the status */
	free(c.rc_vips);
	return 0;
}

struct announce *
announce_new(struct worker *w)
{
	struct announce *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->a_w = w;
	if (setup(a) == -1) {
		announce_free(a);
		return NULL;
	}
	return a;
}

void
announce_free(struct announce *a)
{
	if (a == NULL)
		return;
	rd_close(a->a_rd);
	free(a->a_why);
	free(a);
}

/* ---- peers on another configuration ---- */

static int
peer_differs(const struct worker *w, const struct peer *p)
{
	return p->p_generation != w->w_rt->rt_generation ||
	    memcmp(p->p_hash, w->w_rt->rt_hash_prefix, HB_HASH_LEN) != 0;
}

/* Newer: a higher generation; diverged at one generation: the larger
 * hash, so that exactly one side of a split keeps serving. */
static int
peer_newer(const struct worker *w, const struct peer *p)
{
	if (p->p_generation != w->w_rt->rt_generation)
		return p->p_generation > w->w_rt->rt_generation;
	return memcmp(p->p_hash, w->w_rt->rt_hash_prefix, HB_HASH_LEN) > 0;
}

static void
hash_hex(const uint8_t *h, char *out)
{
	for (size_t i = 0; i < HB_HASH_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* Fills a_mismatch and a_hold from the live peers; logs a change. */
static void
check_peers(struct announce *a)
{
	const struct worker *w = a->a_w;
	char desc[sizeof(a->a_mismatch)] = "", h[2 * HB_HASH_LEN + 1];
	uint64_t now = clock_monotonic_ms();
	size_t len = 0;
	int hold = 0;

	for (size_t i = 0; i < w->w_rt->rt_nnodes; i++) {
		const struct peer *p = &w->w_peers[i];

		if (i == w->w_rt->rt_self || !election_peer_alive(&p->p_el,
		    now, w->w_rt->rt_deadtime_ms) || !peer_differs(w, p))
			continue;
		if (peer_newer(w, p) && (p->p_flags & HB_F_ANNOUNCING))
			hold = 1;
		hash_hex(p->p_hash, h);
		if (len < sizeof(desc))
			len += (size_t)snprintf(desc + len, sizeof(desc) - len,
			    "%snode %s runs generation %llu (%s)", len ? ", " :
			    "", w->w_rt->rt_nodes[i].rn_name,
			    (unsigned long long)p->p_generation, h);
	}
	if (strcmp(desc, a->a_mismatch) != 0 || hold != a->a_hold) {
		if (desc[0] != '\0')
			log_warnx("configuration-generation mismatch: %s; this "
			    "node runs generation %llu (%.8s)%s", desc,
			    (unsigned long long)w->w_rt->rt_generation,
			    w->w_rt->rt_hash, hold ? ": it announces no VIP it "
			    "does not already announce until it runs the newer "
			    "one" : "");
		else if (a->a_mismatch[0] != '\0')
			log_info("configuration-generation mismatch over: every "
			    "live director runs generation %llu",
			    (unsigned long long)w->w_rt->rt_generation);
	}
	str_copy(a->a_mismatch, desc, sizeof(a->a_mismatch));
	a->a_hold = hold;
}

/* ---- deciding ---- */

/* Whether VIP i should be held; why not in a_why[i]. */
static int
decide(struct announce *a, size_t i)
{
	struct worker *w = a->a_w;
	char why[WHY_MAX] = "";
	int want = 0;

	if (!a->a_on)
		snprintf(why, sizeof(why), "this node is %s",
		    election_state_name(w->w_self.es_state));
	else if (!services_vip_ready(w->w_svc, &w->w_rt->rt_vips[i].rv_addr,
	    why, sizeof(why)))
		;
	else if (a->a_hold && !vipset_held(w->w_vips, i))
		snprintf(why, sizeof(why), "a peer announces a newer "
		    "configuration");
	else
		want = 1;
	if (a->a_on && strcmp(why, a->a_why[i]) != 0 && why[0] != '\0')
		log_info("ecmp: %s not announced: %s",
		    w->w_rt->rt_vips[i].rv_owner, why);
	str_copy(a->a_why[i], why, sizeof(a->a_why[i]));
	return want;
}

void
announce_evaluate(struct announce *a)
{
	if (a == NULL || a->a_rd == NULL || a->a_w->w_vips == NULL)
		return;
	check_peers(a);
	for (size_t i = 0; i < a->a_n; i++)
		if (is_route(a->a_w, i))
			(void)vipset_want(a->a_w->w_vips, i, decide(a, i));
}

void
announce_role(struct announce *a, int on)
{
	if (a == NULL || a->a_rd == NULL)
		return;
	a->a_on = on;
	if (on) {
		announce_evaluate(a);
		return;
	}
	for (size_t i = 0; i < a->a_n; i++)
		if (is_route(a->a_w, i))
			(void)vipset_want(a->a_w->w_vips, i, 0);
}

void
announce_reload(struct announce *a)
{
	if (a == NULL)
		return;
	if (setup(a) == -1)
		log_warnx("ecmp: reload: out of memory");
	announce_evaluate(a);
}

/* The daemon announces what is held: it runs, with the session up. */
static int
daemon_announces(const struct announce *a)
{
	const struct rd_status *st = rd_status(a->a_rd);

	return st->st_state == RD_UP && st->st_vips_up && st->st_established;
}

uint8_t
announce_hb_flags(const struct announce *a)
{
	if (a == NULL || a->a_rd == NULL || !daemon_announces(a))
		return 0;
	for (size_t i = 0; i < a->a_n; i++)
		if (is_route(a->a_w, i) && vipset_held(a->a_w->w_vips, i))
			return HB_F_ANNOUNCING;
	return 0;
}

/* ---- status ---- */

static json_t *
session_json(const struct announce *a)
{
	const struct rt_routing *rr = &a->a_w->w_rt->rt_routing;
	const struct rd_status *st = rd_status(a->a_rd);
	char n[CFG_ADDR_STRLEN];

	return json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:b}",
	    "neighbor", cfg_addr_str(&rr->rr_peer, n, sizeof(n)),
	    "neighbor_as", (json_int_t)rr->rr_peer_as,
	    "local_as", (json_int_t)rr->rr_local_as,
	    "hold_time", (json_int_t)rr->rr_hold_s,
	    "state", st->st_session[0] ? st->st_session : "down",
	    "info", st->st_info, "established", st->st_established);
}

static json_t *
vips_json(const struct announce *a, int *serving)
{
	const struct pulse_rt *rt = a->a_w->w_rt;
	json_t *arr = json_array();
	char addr[CFG_ADDR_STRLEN];
	int up = daemon_announces(a);

	*serving = 0;
	for (size_t i = 0; i < a->a_n; i++) {
		int held = vipset_held(a->a_w->w_vips, i);

		if (!is_route(a->a_w, i))
			continue;
		*serving |= held && up;
		json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:b, "
		    "s:b, s:s}", "address", cfg_addr_str(&rt->rt_vips[i].rv_addr,
		    addr, sizeof(addr)), "prefix", rt->rt_vips[i].rv_prefix,
		    "virtual", rt->rt_vips[i].rv_owner, "held", held,
		    "announced", held && up, "reason", held && !up ?
		    "the routing daemon does not announce it (see state)" :
		    a->a_why[i]));
	}
	return arr;
}

json_t *
announce_json(const struct announce *a)
{
	const struct rd_status *st;
	json_t *vips;
	int serving;

	if (a == NULL || a->a_rd == NULL)
		return NULL;
	st = rd_status(a->a_rd);
	vips = vips_json(a, &serving);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:b, s:o, s:s,"
	    " s:b}", "daemon", rd_name(), "state", rd_state_name(st->st_state),
	    "error", st->st_error, "socket", a->a_w->w_rt->rt_routing.rr_socket,
	    "config", a->a_w->w_rt->rt_routing.rr_file,
	    "since", (json_int_t)st->st_since, "session", session_json(a),
	    "serving", serving, "vips", vips, "config_mismatch",
	    a->a_mismatch, "holding_back", a->a_hold);
}
