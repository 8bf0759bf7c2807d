/*
 * status.c - the status object (see status.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "drill.h"
#include "dualact.h"
#include "evbus.h"
#include "maintio.h"
#include "announce.h"
#include "services.h"
#include "status.h"
#include "vip.h"
#include "connsync.h"
#include "worker.h"

static void
hash_hex(const uint8_t *h, char *out)
{
	for (size_t i = 0; i < HB_HASH_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static json_t *
peer_json(const struct worker *w, size_t i, uint64_t now)
{
	const struct rt_node *n = &w->w_rt->rt_nodes[i];
	const struct peer *p = &w->w_peers[i];
	json_t *addrs = json_array(), *o;
	char a[CFG_ADDR_STRLEN], h[2 * HB_HASH_LEN + 1];
	int alive = election_peer_alive(&p->p_el, now, w->w_rt->rt_deadtime_ms);

	for (size_t j = 0; j < n->rn_naddrs; j++)
		json_array_append_new(addrs, json_string(cfg_addr_str(
		    &n->rn_addrs[j], a, sizeof(a))));
	hash_hex(p->p_hash, h);
	o = json_pack("{s:s, s:o, s:s, s:i, s:b, s:b, s:I, s:s, s:b, s:I}",
	    "name", n->rn_name, "addresses", addrs, "state",
	    p->p_el.ep_heard ? election_state_name(p->p_el.ep_state) :
	    "unknown", "priority", p->p_el.ep_heard ? p->p_el.ep_priority :
	    n->rn_priority, "alive", alive, "leaving", p->p_el.ep_leaving,
	    "generation", (json_int_t)p->p_generation, "hash", h,
	    "matches_ours", p->p_el.ep_heard &&
	    p->p_generation == w->w_rt->rt_generation &&
	    memcmp(p->p_hash, w->w_rt->rt_hash_prefix, HB_HASH_LEN) == 0,
	    "received", (json_int_t)p->p_rx);
	json_object_set_new(o, "standby", json_boolean(maint_node_standby(
	    maintio_state(w->w_maint), n->rn_name)));
	json_object_set_new(o, "last_heard_ms", p->p_el.ep_heard ?
	    json_integer((json_int_t)(now - p->p_el.ep_last_ms)) :
	    json_null());
	return o;
}

static json_t *
counters_json(const struct worker *w)
{
	json_t *rej = json_object();

	for (int e = HB_OK + 1; e < HB_ERR__MAX; e++)
		json_object_set_new(rej, heartbeat_err_name(e),
		    json_integer((json_int_t)w->w_rejected[e]));
	return json_pack("{s:I, s:I, s:I, s:o}", "sent",
	    (json_int_t)w->w_sent, "send_errors", (json_int_t)w->w_send_errors,
	    "received", (json_int_t)w->w_received, "rejected", rej);
}

static json_t *
history_json(const struct worker *w)
{
	json_t *a = json_array();

	for (size_t i = w->w_nhist; i-- > 0;) {
		const struct transition *t = &w->w_hist[i];

		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s}",
		    "time", (json_int_t)t->t_time, "from",
		    election_state_name(t->t_from), "to",
		    election_state_name(t->t_to), "reason", t->t_detail));
	}
	return a;
}

static json_t *
faults_json(const struct worker *w)
{
	json_t *links = json_array(), *failed = json_array();

	for (size_t i = 0; i < w->w_nlinks; i++)
		json_array_append_new(links, json_pack("{s:s, s:b}", "name",
		    w->w_links[i].l_name, "up", w->w_links[i].l_usable));
	for (size_t i = 0; i < w->w_rt->rt_nfos; i++)
		if (w->w_fos_failed[i])
			json_array_append_new(failed,
			    json_string(w->w_rt->rt_fos[i].rf_name));
	return json_pack("{s:b, s:o, s:o}", "monitor_links",
	    w->w_rt->rt_monitor_links, "links", links, "failed_services",
	    failed);
}

json_t *
status_json(const struct worker *w)
{
	const struct pulse_rt *rt = w->w_rt;
	uint64_t now = clock_monotonic_ms();
	json_t *peers = json_array(), *o, *r;

	for (size_t i = 0; i < rt->rt_nnodes; i++)
		if (i != rt->rt_self)
			json_array_append_new(peers, peer_json(w, i, now));
	o = json_pack("{s:s, s:s, s:s, s:I, s:i, s:I, s:s, s:I, s:I, s:o,"
	    " s:o, s:o, s:o, s:o}",
	    "node", worker_self_node(w)->rn_name, "mode", worker_mode_name(w),
	    "role", election_state_name(w->w_self.es_state),
	    "since", (json_int_t)w->w_since,
	    "priority", election_priority(&w->w_self),
	    "generation", (json_int_t)rt->rt_generation, "hash", rt->rt_hash,
	    "keepalive_ms", (json_int_t)rt->rt_keepalive_ms,
	    "deadtime_ms", (json_int_t)rt->rt_deadtime_ms,
	    "peers", peers, "vips", vipset_json(w->w_vips),
	    "counters", counters_json(w), "transitions", history_json(w),
	    "faults", faults_json(w));
	json_object_set_new(o, "standby", json_boolean(w->w_self.es_standby));
	json_object_set_new(o, "dual_active", dualact_json(w->w_dual));
	if (w->w_drill != NULL)
		json_object_set_new(o, "drills", drill_history(w->w_drill));
	json_object_set_new(o, "events_seq", json_integer(
	    (json_int_t)evbus_last_seq()));
	/* no key: the UI and `shoalctl status` say so */
	json_object_set_new(o, "authenticated", json_boolean(rt->rt_key !=
	    NULL));
	json_object_set_new(o, "second_key", json_boolean(rt->rt_key2 !=
	    NULL));
	services_json(w->w_svc, o);
	json_object_set_new(o, "connection_sync", connsync_json(w));
	if ((r = announce_json(w->w_ann)) != NULL)
		json_object_set_new(o, "routing", r);
	return o;
}
