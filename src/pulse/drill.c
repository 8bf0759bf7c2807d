/*
 * drill.c - the fail-over drill (see drill.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/util.h"
#include "control.h"
#include "drill.h"
#include "dualact.h"
#include "evbus.h"
#include "leave.h"
#include "maintio.h"
#include "worker.h"

#define DRILL_TICK_MS		20
#define DRILL_YIELD_EVERY_MS	100

struct dvip {
	char		 v_addr[CFG_ADDR_STRLEN];
	int64_t		 v_out[2];		/* ms per phase, -1 unknown */
	uint64_t	 v_last_other;		/* phase 2: holder's answer */
};

struct drill {
	struct worker		*d_w;
	struct control_conn	*d_cc;
	int			 d_phase;	/* 0 idle, 1 over, 2 back */
	char			 d_by[64];
	char			 d_from[CFG_NAME_MAX + 1];
	char			 d_to[CFG_NAME_MAX + 1];
	int			 d_peer;
	int64_t			 d_started;	/* unix ms */
	uint64_t		 d_t0, d_deadline, d_next_yield;
	struct dvip		*d_vips;
	size_t			 d_nvips;
	struct event		*d_tick;
	json_t			*d_hist;	/* newest first */
	char			*d_path;
};

static void finish(struct drill *, const char *error);

static uint64_t
phase_ms(const struct drill *d)
{
	uint64_t four = 4ull * d->d_w->w_rt->rt_deadtime_ms;

	return four > DRILL_PHASE_MS ? four : DRILL_PHASE_MS;
}

static void
on_answer(void *arg, const char *addr, uint64_t now)
{
	struct drill *d = arg;

	for (size_t i = 0; i < d->d_nvips; i++) {
		struct dvip *v = &d->d_vips[i];

		if (strcmp(v->v_addr, addr) != 0)
			continue;
		if (d->d_phase == 1 && v->v_out[0] < 0)
			v->v_out[0] = (int64_t)(now - d->d_t0);
		else if (d->d_phase == 2)
			v->v_last_other = now;
	}
}

/* The live ACTIVE peer, or -1. */
static int
active_peer(const struct worker *w)
{
	uint64_t now = clock_monotonic_ms();

	for (size_t i = 0; i < w->w_rt->rt_nnodes; i++)
		if (i != w->w_rt->rt_self &&
		    w->w_peers[i].p_el.ep_state == EL_ACTIVE &&
		    election_peer_alive(&w->w_peers[i].p_el, now,
		    w->w_rt->rt_deadtime_ms))
			return (int)i;
	return -1;
}

static void
begin_back(struct drill *d)
{
	struct worker *w = d->d_w;

	d->d_peer = active_peer(w);
	if (d->d_peer == -1) {
		finish(d, "no peer took the addresses over");
		return;
	}
	str_copy(d->d_to, w->w_rt->rt_nodes[d->d_peer].rn_name,
	    sizeof(d->d_to));
	d->d_phase = 2;
	d->d_t0 = clock_monotonic_ms();
	d->d_deadline = d->d_t0 + phase_ms(d);
	d->d_next_yield = 0;
	worker_hold(w, 0);		/* a backup again */
}

static void
tick_over(struct drill *d, uint64_t now)
{
	size_t answered = 0;

	for (size_t i = 0; i < d->d_nvips; i++)
		if (d->d_vips[i].v_out[0] >= 0)
			answered++;
	if (answered == d->d_nvips && active_peer(d->d_w) != -1)
		begin_back(d);
	else if (now >= d->d_deadline)
		finish(d, "hand-over: the addresses were not answered by a "
		    "peer in time");
}

static void
tick_back(struct drill *d, uint64_t now)
{
	struct worker *w = d->d_w;
	uint64_t took = w->w_self.es_since_ms;

	if (w->w_self.es_state == EL_ACTIVE && took >= d->d_t0) {
		for (size_t i = 0; i < d->d_nvips; i++) {
			struct dvip *v = &d->d_vips[i];
			uint64_t from = v->v_last_other != 0 ?
			    v->v_last_other : d->d_t0;

			v->v_out[1] = took > from ? (int64_t)(took - from) : 0;
		}
		finish(d, NULL);
	} else if (now >= d->d_deadline)
		finish(d, "hand-back: the addresses did not come back in time");
	else if (now >= d->d_next_yield) {
		d->d_next_yield = now + DRILL_YIELD_EVERY_MS;
		maintio_yield(w->w_maint, (size_t)d->d_peer,
		    w->w_rt->rt_deadtime_ms * 2);
	}
}

static void
tick_cb(int fd, short what, void *arg)
{
	struct drill *d = arg;
	uint64_t now = clock_monotonic_ms();

	(void)fd;
	(void)what;
	if (d->d_phase == 1)
		tick_over(d, now);
	else if (d->d_phase == 2)
		tick_back(d, now);
}

/* ---- the result ---- */

static json_t *
phase_json(const struct drill *d, int p, const char *from, const char *to)
{
	json_t *vips = json_array();

	for (size_t i = 0; i < d->d_nvips; i++) {
		const struct dvip *v = &d->d_vips[i];

		json_array_append_new(vips, json_pack("{s:s, s:o}", "address",
		    v->v_addr, "outage_ms", v->v_out[p] >= 0 ?
		    json_integer(v->v_out[p]) : json_null()));
	}
	return json_pack("{s:s, s:s, s:o}", "from", from, "to", to,
	    "vips", vips);
}

static int64_t
max_outage(const struct drill *d, char *list, size_t len)
{
	int64_t m = -1;
	size_t n = 0;

	list[0] = '\0';
	for (size_t i = 0; i < d->d_nvips; i++) {
		const struct dvip *v = &d->d_vips[i];

		for (int p = 0; p < 2; p++)
			if (v->v_out[p] > m)
				m = v->v_out[p];
		if (n < len)
			n += (size_t)snprintf(list + n, len - n, "%s%s=%lld/%lld",
			    i ? " " : "", v->v_addr, (long long)v->v_out[0],
			    (long long)v->v_out[1]);
	}
	return m;
}

static void
save(const struct drill *d)
{
	char *tmp = NULL;

	if (asprintf(&tmp, "%s.tmp", d->d_path) == -1)
		return;
	if (json_dump_file(d->d_hist, tmp, JSON_INDENT(1)) == -1 ||
	    rename(tmp, d->d_path) == -1)
		log_warnx("drill: cannot save the history in %s", d->d_path);
	free(tmp);
}

static json_t *
result_json(const struct drill *d, const char *error, int64_t max)
{
	json_t *r = json_pack("{s:b, s:I, s:s, s:s, s:s, s:o}", "ok",
	    error == NULL, "time_ms", (json_int_t)d->d_started, "by", d->d_by,
	    "from", d->d_from, "to", d->d_to, "phases", json_pack("[o, o]",
	    phase_json(d, 0, d->d_from, d->d_to), phase_json(d, 1, d->d_to,
	    d->d_from)));

	json_object_set_new(r, "max_outage_ms", max >= 0 ? json_integer(max) :
	    json_null());
	json_object_set_new(r, "deadtime_ms",
	    json_integer(d->d_w->w_rt->rt_deadtime_ms));
	if (error != NULL)
		json_object_set_new(r, "error", json_string(error));
	return r;
}

static void
finish(struct drill *d, const char *error)
{
	char list[512], maxs[32];
	int64_t max = max_outage(d, list, sizeof(list));
	json_t *r = result_json(d, error, max);

	event_del(d->d_tick);
	dualact_fast(d->d_w->w_dual, NULL, NULL);
	worker_hold(d->d_w, 0);
	d->d_phase = 0;
	snprintf(maxs, sizeof(maxs), "%lld", (long long)max);
	if (error != NULL)
		log_warnx("drill by %s stopped: %s (%s)", d->d_by, error, list);
	else
		log_info("drill by %s: %s -> %s -> %s, outage ms over/back: %s",
		    d->d_by, d->d_from, d->d_to, d->d_from, list);
	evbus_emit(EV_DRILL, error != NULL ? "failed" : "ok", d->d_from,
	    d->d_to, maxs, list, d->d_by);
	json_array_insert(d->d_hist, 0, r);
	while (json_array_size(d->d_hist) > DRILL_HISTORY)
		json_array_remove(d->d_hist, DRILL_HISTORY);
	save(d);
	if (d->d_cc != NULL) {
		control_conn_on_gone(d->d_cc, NULL, NULL);
		control_conn_end(d->d_cc, r);	/* consumes the reference */
		d->d_cc = NULL;
	} else
		json_decref(r);
}

/* ---- starting ---- */

static void
cc_gone(void *arg)
{
	((struct drill *)arg)->d_cc = NULL;	/* the drill goes on */
}

static json_t *
refuse(const char *msg)
{
	return json_pack("{s:s}", "error", msg);
}

static int
setup_vips(struct drill *d)
{
	const struct pulse_rt *rt = d->d_w->w_rt;

	free(d->d_vips);
	d->d_nvips = 0;
	if ((d->d_vips = calloc(rt->rt_nvips + 1, sizeof(*d->d_vips))) == NULL)
		return -1;
	for (size_t i = 0; i < rt->rt_nvips; i++) {
		struct dvip *v = &d->d_vips[d->d_nvips];

		if (rt->rt_vips[i].rv_addr.family != AF_INET)
			continue;
		cfg_addr_str(&rt->rt_vips[i].rv_addr, v->v_addr,
		    sizeof(v->v_addr));
		v->v_out[0] = v->v_out[1] = -1;
		d->d_nvips++;
	}
	return 0;
}

/* The live BACKUP that would take over, or -1. */
static int
candidate(const struct worker *w)
{
	uint64_t now = clock_monotonic_ms();

	for (size_t i = 0; i < w->w_rt->rt_nnodes; i++)
		if (i != w->w_rt->rt_self &&
		    w->w_peers[i].p_el.ep_state == EL_BACKUP &&
		    election_peer_alive(&w->w_peers[i].p_el, now,
		    w->w_rt->rt_deadtime_ms))
			return (int)i;
	return -1;
}

json_t *
drill_start(struct drill *d, struct control_conn *cc, const char *by)
{
	struct worker *w = d->d_w;
	struct timeval tv = { 0, DRILL_TICK_MS * 1000 };

	if (d->d_phase != 0)
		return refuse("a drill is running");
	if (w->w_self.es_state != EL_ACTIVE)
		return refuse("this node is not active: run the drill on the "
		    "active node");
	if (candidate(w) == -1)
		return refuse("no live backup to hand the addresses to");
	if (w->w_dual == NULL)
		return refuse("no ARP socket (see the log): cannot measure");
	if (setup_vips(d) == -1 || d->d_nvips == 0)
		return refuse("no IPv4 virtual address to measure");
	str_copy(d->d_by, by, sizeof(d->d_by));
	str_copy(d->d_from, worker_self_node(w)->rn_name, sizeof(d->d_from));
	d->d_to[0] = '\0';
	d->d_cc = cc;
	control_conn_on_gone(cc, cc_gone, d);
	d->d_started = (int64_t)pulse_realtime_ms();
	log_info("drill by %s: handing the addresses over", by);
	d->d_phase = 1;
	dualact_fast(w->w_dual, on_answer, d);
	d->d_t0 = clock_monotonic_ms();
	d->d_deadline = d->d_t0 + phase_ms(d);
	event_add(d->d_tick, &tv);
	/* releases the VIPs now (role table), then probing tells */
	worker_hold(w, phase_ms(d) * 2);
	return NULL;
}

json_t *
drill_history(const struct drill *d)
{
	return json_deep_copy(d->d_hist);
}

struct drill *
drill_new(struct worker *w)
{
	struct drill *d = calloc(1, sizeof(*d));
	json_error_t je;

	if (d == NULL)
		return NULL;
	d->d_w = w;
	if (asprintf(&d->d_path, "%s.drills", w->w_opts->po_db) == -1) {
		free(d);
		return NULL;
	}
	d->d_hist = json_load_file(d->d_path, 0, &je);
	if (!json_is_array(d->d_hist)) {
		json_decref(d->d_hist);
		d->d_hist = json_array();
	}
	d->d_tick = event_new(w->w_base, -1, EV_PERSIST, tick_cb, d);
	if (d->d_tick == NULL || d->d_hist == NULL) {
		drill_free(d);
		return NULL;
	}
	return d;
}

void
drill_free(struct drill *d)
{
	if (d == NULL)
		return;
	if (d->d_tick != NULL)
		event_free(d->d_tick);
	json_decref(d->d_hist);
	free(d->d_vips);
	free(d->d_path);
	free(d);
}
