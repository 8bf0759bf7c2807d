/*
 * metrics.c - Prometheus metrics (see metrics.h).
 *
 * Rendered in one pass with stdio into a memory stream: with 10,000 real
 * servers this is a few MB of text and a few milliseconds.
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/lb.h"
#include "lib/prom.h"
#include "lib/util.h"
#include "announce.h"
#include "dualact.h"
#include "evbus.h"
#include "hooks.h"
#include "lvs.h"
#include "maintio.h"
#include "metrics.h"
#include "services.h"
#include "vip.h"
#include "worker.h"

static void
node_metrics(FILE *fp, const struct worker *w)
{
	static const enum el_state states[] = { EL_INIT, EL_BACKUP,
	    EL_ACTIVE, EL_FAULT };
	const char *self = worker_self_node(w)->rn_name;

	prom_family(fp, "shoal_node_info", "gauge", "This node (always 1).");
	fprintf(fp, "shoal_node_info{node=\"");
	prom_label(fp, self);
	fprintf(fp, "\",mode=\"%s\"} 1\n", worker_mode_name(w));
	prom_family(fp, "shoal_node_role", "gauge",
	    "1 for the role this node is in, 0 for the others.");
	for (size_t i = 0; i < 4; i++)
		fprintf(fp, "shoal_node_role{role=\"%s\"} %d\n",
		    election_state_name(states[i]),
		    w->w_self.es_state == states[i]);
	prom_family(fp, "shoal_node_standby", "gauge",
	    "1 while this node is in standby (maintenance).");
	fprintf(fp, "shoal_node_standby %d\n", w->w_self.es_standby);
	prom_family(fp, "shoal_node_priority", "gauge", "This node's priority.");
	fprintf(fp, "shoal_node_priority %d\n", w->w_self.es_priority);
	prom_family(fp, "shoal_config_generation", "gauge",
	    "The configuration generation this node runs.");
	fprintf(fp, "shoal_config_generation %llu\n",
	    (unsigned long long)w->w_rt->rt_generation);
	prom_family(fp, "shoal_role_transitions_total", "counter",
	    "Role changes of this node, by the role entered.");
	for (size_t i = 0; i < 4; i++)
		fprintf(fp, "shoal_role_transitions_total{to=\"%s\"} %llu\n",
		    election_state_name(states[i]),
		    (unsigned long long)w->w_transitions[states[i]]);
}

static void
vip_metrics(FILE *fp, const struct worker *w)
{
	json_t *a = vipset_json(w->w_vips), *v;
	size_t i, held = 0;

	prom_family(fp, "shoal_vip_held", "gauge",
	    "1 when this node holds the virtual address.");
	json_array_foreach(a, i, v) {
		int h = json_is_true(json_object_get(v, "held"));

		fprintf(fp, "shoal_vip_held{address=\"");
		prom_label(fp, json_string_value(json_object_get(v, "address")));
		fprintf(fp, "\",device=\"");
		prom_label(fp, json_string_value(json_object_get(v, "label")));
		fprintf(fp, "\"} %d\n", h);
		held += (size_t)h;
	}
	json_decref(a);
	prom_family(fp, "shoal_vips_held", "gauge",
	    "Virtual addresses this node holds.");
	fprintf(fp, "shoal_vips_held %zu\n", held);
}

/* director_mode = ecmp: the routing daemon and what it announces. */
static void
routing_metrics(FILE *fp, const struct worker *w)
{
	json_t *r = announce_json(w->w_ann), *v;
	const char *mismatch;
	size_t i;

	if (r == NULL)
		return;
	prom_family(fp, "shoal_routing_up", "gauge", "1 when the routing daemon "
	    "answers on its control socket and runs shoal's configuration.");
	fprintf(fp, "shoal_routing_up{daemon=\"");
	prom_label(fp, json_string_value(json_object_get(r, "daemon")));
	fprintf(fp, "\",state=\"");
	prom_label(fp, json_string_value(json_object_get(r, "state")));
	fprintf(fp, "\"} %d\n", strcmp(json_string_value(json_object_get(r,
	    "state")), "up") == 0);
	prom_family(fp, "shoal_routing_session_established", "gauge",
	    "1 when the BGP session to the upstream router is established.");
	fprintf(fp, "shoal_routing_session_established %d\n",
	    json_is_true(json_object_get(json_object_get(r, "session"),
	    "established")));
	prom_family(fp, "shoal_routing_serving", "gauge", "1 when this director "
	    "announces at least one VIP and the router may send it traffic.");
	fprintf(fp, "shoal_routing_serving %d\n",
	    json_is_true(json_object_get(r, "serving")));
	prom_family(fp, "shoal_vip_announced", "gauge",
	    "1 when this director announces the VIP to the upstream router.");
	json_array_foreach(json_object_get(r, "vips"), i, v) {
		fprintf(fp, "shoal_vip_announced{address=\"");
		prom_label(fp, json_string_value(json_object_get(v, "address")));
		fprintf(fp, "\",virtual=\"");
		prom_label(fp, json_string_value(json_object_get(v, "virtual")));
		fprintf(fp, "\"} %d\n",
		    json_is_true(json_object_get(v, "announced")));
	}
	mismatch = json_string_value(json_object_get(r, "config_mismatch"));
	prom_family(fp, "shoal_routing_config_mismatch", "gauge", "1 when a live "
	    "director runs another configuration generation (nothing new is "
	    "announced until they agree).");
	fprintf(fp, "shoal_routing_config_mismatch %d\n",
	    mismatch != NULL && mismatch[0] != '\0');
	json_decref(r);
}

static void
dual_metrics(FILE *fp, const struct worker *w)
{
	json_t *a = dualact_json(w->w_dual), *v;
	size_t i;

	prom_family(fp, "shoal_vip_owners", "gauge", "MAC addresses that answered "
	    "ARP for the VIP within the detector's window (seen from a node "
	    "that does not hold it).");
	json_array_foreach(a, i, v) {
		fprintf(fp, "shoal_vip_owners{address=\"");
		prom_label(fp, json_string_value(json_object_get(v, "address")));
		fprintf(fp, "\"} %zu\n", json_array_size(json_object_get(v,
		    "owners")));
	}
	prom_family(fp, "shoal_dual_active", "gauge",
	    "1 while two MAC addresses answer for the VIP.");
	json_array_foreach(a, i, v) {
		fprintf(fp, "shoal_dual_active{address=\"");
		prom_label(fp, json_string_value(json_object_get(v, "address")));
		fprintf(fp, "\"} %d\n", json_is_true(json_object_get(v,
		    "alarm")));
	}
	json_decref(a);
}

static void
peer_metric(FILE *fp, const struct worker *w, const char *name, size_t i)
{
	fprintf(fp, "%s{peer=\"", name);
	prom_label(fp, w->w_rt->rt_nodes[i].rn_name);
	fprintf(fp, "\"} ");
}

static void
peer_metrics(FILE *fp, const struct worker *w)
{
	const struct pulse_rt *rt = w->w_rt;
	uint64_t now = clock_monotonic_ms();

	prom_family(fp, "shoal_peer_up", "gauge",
	    "1 when the peer's heartbeats arrive within the dead time.");
	for (size_t i = 0; i < rt->rt_nnodes; i++)
		if (i != rt->rt_self) {
			peer_metric(fp, w, "shoal_peer_up", i);
			fprintf(fp, "%d\n", election_peer_alive(
			    &w->w_peers[i].p_el, now, rt->rt_deadtime_ms));
		}
	prom_family(fp, "shoal_peer_last_heard_seconds", "gauge",
	    "Seconds since the peer's last accepted heartbeat.");
	for (size_t i = 0; i < rt->rt_nnodes; i++)
		if (i != rt->rt_self && w->w_peers[i].p_el.ep_heard) {
			peer_metric(fp, w, "shoal_peer_last_heard_seconds", i);
			fprintf(fp, "%.3f\n", (double)(now -
			    w->w_peers[i].p_el.ep_last_ms) / 1000.0);
		}
	prom_family(fp, "shoal_peer_config_generation", "gauge",
	    "The configuration generation the peer announces.");
	for (size_t i = 0; i < rt->rt_nnodes; i++)
		if (i != rt->rt_self && w->w_peers[i].p_el.ep_heard) {
			peer_metric(fp, w, "shoal_peer_config_generation", i);
			fprintf(fp, "%llu\n", (unsigned long long)
			    w->w_peers[i].p_generation);
		}
}

static void
heartbeat_metrics(FILE *fp, const struct worker *w)
{
	prom_family(fp, "shoal_heartbeats_sent_total", "counter",
	    "Heartbeat datagrams sent.");
	fprintf(fp, "shoal_heartbeats_sent_total %llu\n",
	    (unsigned long long)w->w_sent);
	prom_family(fp, "shoal_heartbeat_send_errors_total", "counter",
	    "Heartbeat datagrams the kernel refused to send.");
	fprintf(fp, "shoal_heartbeat_send_errors_total %llu\n",
	    (unsigned long long)w->w_send_errors);
	prom_family(fp, "shoal_heartbeats_received_total", "counter",
	    "Heartbeat datagrams accepted.");
	fprintf(fp, "shoal_heartbeats_received_total %llu\n",
	    (unsigned long long)w->w_received);
	prom_family(fp, "shoal_heartbeats_rejected_total", "counter",
	    "Heartbeat datagrams dropped, by reason.");
	for (int e = HB_OK + 1; e < HB_ERR__MAX; e++)
		fprintf(fp, "shoal_heartbeats_rejected_total{reason=\"%s\"} "
		    "%llu\n", heartbeat_err_name(e),
		    (unsigned long long)w->w_rejected[e]);
}

static const char *const admin_names[] = { "enable", "drain", "disable" };

/* Room for virtual="...",server="..." with every character escaped. */
#define LABELS_MAX	(2 * 2 * CFG_NAME_MAX + 32)

/* v escaped as a label value into buf at *at (bounded by LABELS_MAX). */
static void
put_value(char *buf, size_t *at, const char *v)
{
	for (; *v != '\0' && *at + 3 < LABELS_MAX; v++) {
		if (*v == '\\' || *v == '"' || *v == '\n')
			buf[(*at)++] = '\\';
		buf[(*at)++] = *v == '\n' ? 'n' : *v;
	}
}

/* The labels of one real server, escaped once for all its series. */
static void
server_labels(char buf[LABELS_MAX], const struct lvs_server_view *sv)
{
	size_t at = 0;

	memcpy(buf, "virtual=\"", 9);
	at = 9;
	put_value(buf, &at, sv->sv_virtual);
	memcpy(buf + at, "\",server=\"", 10);
	at += 10;
	put_value(buf, &at, sv->sv_server);
	buf[at++] = '"';
	buf[at] = '\0';
}

/* The per-server families, each written in its own pass. */
enum pass { P_UP, P_WEIGHT, P_INLB, P_ADMIN, P_FAIL, P_LAT, P__MAX };

struct server_pass {
	FILE		*sp_fp;
	enum pass	 sp_pass;
	/* the histogram's upper bounds as le="..." text, made once */
	char		 sp_le[LVS_LAT_BUCKETS][16];
};

static void
server_latency(struct server_pass *sp, const char *lab,
    const struct lvs_server_view *sv)
{
	uint64_t cum = 0;

	for (size_t b = 0; b <= LVS_LAT_BUCKETS; b++) {
		cum += sv->sv_hist[b];
		fprintf(sp->sp_fp, "shoal_real_server_check_latency_seconds_bucket"
		    "{%s,le=\"%s\"} %llu\n", lab, b < LVS_LAT_BUCKETS ?
		    sp->sp_le[b] : "+Inf", (unsigned long long)cum);
	}
	fprintf(sp->sp_fp, "shoal_real_server_check_latency_seconds_sum{%s} "
	    "%.3f\n", lab, (double)sv->sv_lat_sum_ms / 1000.0);
	fprintf(sp->sp_fp, "shoal_real_server_check_latency_seconds_count{%s} "
	    "%llu\n", lab, (unsigned long long)sv->sv_lat_count);
}

static void
server_one(const struct lvs_server_view *sv, void *arg)
{
	struct server_pass *sp = arg;
	FILE *fp = sp->sp_fp;
	char lab[LABELS_MAX];

	server_labels(lab, sv);
	switch (sp->sp_pass) {
	case P_UP:
		fprintf(fp, "shoal_real_server_up{%s} %d\n", lab, sv->sv_up);
		break;
	case P_WEIGHT:
		fprintf(fp, "shoal_real_server_weight{%s} %d\n", lab,
		    sv->sv_weight);
		break;
	case P_INLB:
		fprintf(fp, "shoal_real_server_in_lb{%s} %d\n", lab,
		    sv->sv_in_lb);
		break;
	case P_ADMIN:
		for (int s = 0; s < 3; s++)
			fprintf(fp, "shoal_real_server_admin_state{%s,"
			    "state=\"%s\"} %d\n", lab, admin_names[s],
			    sv->sv_admin == s);
		break;
	case P_FAIL:
		fprintf(fp, "shoal_real_server_check_failures_total{%s} %llu\n",
		    lab, (unsigned long long)sv->sv_failures);
		break;
	case P_LAT:
		server_latency(sp, lab, sv);
		break;
	case P__MAX:
		break;
	}
}

static void
server_metrics(FILE *fp, const struct worker *w)
{
	static const struct { const char *n, *t, *h; } fam[P__MAX] = {
		{ "shoal_real_server_up", "gauge",
		  "1 when the last health check report said up." },
		{ "shoal_real_server_weight", "gauge",
		  "The weight the load balancer has now (0 when out)." },
		{ "shoal_real_server_in_lb", "gauge",
		  "1 when the real server is in the load balancer." },
		{ "shoal_real_server_admin_state", "gauge",
		  "1 for the administrator's state (enable, drain, disable)." },
		{ "shoal_real_server_check_failures_total", "counter",
		  "Health check reports that said down." },
		{ "shoal_real_server_check_latency_seconds", "histogram",
		  "Latency of the health checks nanny reported." },
	};
	struct lvs *l = services_lvs(w->w_svc);
	struct server_pass sp = { .sp_fp = fp, .sp_pass = P_UP };

	if (l == NULL)
		return;
	for (size_t b = 0; b < LVS_LAT_BUCKETS; b++)
		snprintf(sp.sp_le[b], sizeof(sp.sp_le[b]), "%g",
		    lvs_latency_bounds_ms[b] / 1000.0);
	for (int p = 0; p < P__MAX; p++) {
		prom_family(fp, fam[p].n, fam[p].t, fam[p].h);
		sp.sp_pass = (enum pass)p;
		lvs_each_server(l, server_one, &sp);
	}
}

/* One sample per series, in the family order of lb_fams below. */
static void
lb_counter(FILE *fp, const char *name, const char *vs, const char *rs,
    const char *dir, uint64_t v)
{
	fprintf(fp, "%s{virtual=\"", name);
	prom_label(fp, vs);
	if (rs != NULL) {
		fprintf(fp, "\",server=\"");
		prom_label(fp, rs);
	}
	if (dir != NULL)
		fprintf(fp, "\",direction=\"%s", dir);
	fprintf(fp, "\"} %llu\n", (unsigned long long)v);
}

enum lbfam { LF_VCONN, LF_VPKT, LF_VBYTE, LF_ACT, LF_INACT, LF_RCONN,
    LF_RPKT, LF_RBYTE, LF__MAX };

static void
lb_series(FILE *fp, const struct lvs *l, const struct lb_svc_stats *s,
    enum lbfam f)
{
	const char *vs = lvs_virtual_name(l, &s->ss_key), *rs;

	if (vs == NULL)
		return;
	if (f == LF_VCONN)
		lb_counter(fp, "shoal_virtual_server_connections_total", vs,
		    NULL, NULL, s->ss_c.lc_conns);
	else if (f == LF_VPKT || f == LF_VBYTE) {
		int p = f == LF_VPKT;
		const char *n = p ? "shoal_virtual_server_packets_total" :
		    "shoal_virtual_server_bytes_total";

		lb_counter(fp, n, vs, NULL, "in", p ? s->ss_c.lc_inpkts :
		    s->ss_c.lc_inbytes);
		lb_counter(fp, n, vs, NULL, "out", p ? s->ss_c.lc_outpkts :
		    s->ss_c.lc_outbytes);
	}
	for (size_t j = 0; f >= LF_ACT && j < s->ss_ndests; j++) {
		const struct lb_dest_stats *d = &s->ss_dests[j];

		rs = lvs_server_name(l, &s->ss_key, &d->ds_addr, d->ds_port);
		rs = rs != NULL ? rs : "sorry";
		if (f == LF_ACT || f == LF_INACT)
			lb_counter(fp, f == LF_ACT ?
			    "shoal_real_server_active_connections" :
			    "shoal_real_server_inactive_connections", vs, rs,
			    NULL, f == LF_ACT ? d->ds_active : d->ds_inactive);
		else if (f == LF_RCONN)
			lb_counter(fp, "shoal_real_server_connections_total",
			    vs, rs, NULL, d->ds_c.lc_conns);
		else {
			int p = f == LF_RPKT;
			const char *n = p ? "shoal_real_server_packets_total" :
			    "shoal_real_server_bytes_total";

			lb_counter(fp, n, vs, rs, "in", p ? d->ds_c.lc_inpkts :
			    d->ds_c.lc_inbytes);
			lb_counter(fp, n, vs, rs, "out", p ?
			    d->ds_c.lc_outpkts : d->ds_c.lc_outbytes);
		}
	}
}

/*
 * The load balancer's counters while active.  Totals (counters) only
 * where the backend keeps them (IPVS); the connections it holds now
 * (gauges) from both.
 */
static void
lb_metrics(FILE *fp, const struct worker *w)
{
	static const struct { const char *n, *t, *h; int totals; } fam[] = {
		{ "shoal_virtual_server_connections_total", "counter",
		  "Connections the load balancer scheduled (IPVS).", 1 },
		{ "shoal_virtual_server_packets_total", "counter",
		  "Packets through the virtual server, by direction (IPVS).",
		  1 },
		{ "shoal_virtual_server_bytes_total", "counter",
		  "Bytes through the virtual server, by direction (IPVS).", 1 },
		{ "shoal_real_server_active_connections", "gauge",
		  "Established connections on the real server now.", 0 },
		{ "shoal_real_server_inactive_connections", "gauge",
		  "Other connections (closing, UDP...) on the real server now.",
		  0 },
		{ "shoal_real_server_connections_total", "counter",
		  "Connections scheduled to the real server (IPVS).", 1 },
		{ "shoal_real_server_packets_total", "counter",
		  "Packets to and from the real server, by direction (IPVS).",
		  1 },
		{ "shoal_real_server_bytes_total", "counter",
		  "Bytes to and from the real server, by direction (IPVS).",
		  1 },
	};
	struct lvs *l = services_lvs(w->w_svc);
	struct lb_stats st;

	memset(&st, 0, sizeof(st));
	if (l == NULL || lvs_stats(l, &st) == -1)
		return;
	for (int f = 0; f < LF__MAX; f++) {
		if (fam[f].totals && !st.ls_totals)
			continue;
		prom_family(fp, fam[f].n, fam[f].t, fam[f].h);
		for (size_t i = 0; i < st.ls_nsvcs; i++)
			lb_series(fp, l, &st.ls_svcs[i], (enum lbfam)f);
	}
	lb_stats_clear(&st);
}

static void
ops_metrics(FILE *fp, const struct worker *w)
{
	const struct maint *m = maintio_state(w->w_maint);

	prom_family(fp, "shoal_push_results_total", "counter",
	    "Pushes of a configuration reported to this node, by result.");
	fprintf(fp, "shoal_push_results_total{result=\"ok\"} %llu\n"
	    "shoal_push_results_total{result=\"failed\"} %llu\n",
	    (unsigned long long)w->w_push[0], (unsigned long long)w->w_push[1]);
	prom_family(fp, "shoal_events_total", "counter", "Events, by kind.");
	for (int k = 0; k < EV__MAX; k++)
		fprintf(fp, "shoal_events_total{kind=\"%s\"} %llu\n",
		    event_kind_name(k), (unsigned long long)evbus_count(k));
	prom_family(fp, "shoal_hook_runs_total", "counter",
	    "Notify hook runs, by outcome (dropped: the queue was full).");
	for (int o = 0; o < HOOKS__MAX; o++)
		fprintf(fp, "shoal_hook_runs_total{outcome=\"%s\"} %llu\n",
		    hooks_outcome_name(o),
		    (unsigned long long)hooks_count(w->w_hooks, o));
	prom_family(fp, "shoal_hook_queue_length", "gauge",
	    "Notify hook runs queued or running.");
	fprintf(fp, "shoal_hook_queue_length %zu\n", hooks_pending(w->w_hooks));
	prom_family(fp, "shoal_maintenance_version", "gauge",
	    "Version of the cluster-wide maintenance state.");
	fprintf(fp, "shoal_maintenance_version %llu\n",
	    (unsigned long long)maint_version(m));
	prom_family(fp, "shoal_maintenance_entries", "gauge",
	    "Entries (drains, standbys...) in the maintenance state.");
	fprintf(fp, "shoal_maintenance_entries %zu\n", m->m_n);
	prom_family(fp, "shoal_maintenance_datagrams_rejected_total", "counter",
	    "Maintenance datagrams dropped, by reason.");
	for (int e = MAINT_OK + 1; e < MAINT_ERR__MAX; e++)
		fprintf(fp, "shoal_maintenance_datagrams_rejected_total"
		    "{reason=\"%s\"} %llu\n", maint_err_name(e),
		    (unsigned long long)maintio_rejected(w->w_maint, e));
}

/*
 * The text grows in a buffer of our own rather than open_memstream's,
 * which zeroes and copies it at every doubling: with 10,000 real servers
 * (18 MB) that, and the page faults of pulse's locked memory, took most
 * of a scrape.  Sized from the previous scrape, so it is seldom moved.
 */
struct mtext {
	char		*mt_buf;
	size_t		 mt_len, mt_cap;
};

static ssize_t
mtext_write(void *cookie, const char *data, size_t n)
{
	struct mtext *mt = cookie;
	char *nb;
	size_t cap = mt->mt_cap;

	while (cap - mt->mt_len < n + 1)
		cap = cap * 2 + 4096;
	if (cap != mt->mt_cap) {
		if ((nb = realloc(mt->mt_buf, cap)) == NULL)
			return -1;
		mt->mt_buf = nb;
		mt->mt_cap = cap;
	}
	memcpy(mt->mt_buf + mt->mt_len, data, n);
	mt->mt_len += n;
	mt->mt_buf[mt->mt_len] = '\0';
	return (ssize_t)n;
}

char *
metrics_render(const struct worker *w, size_t *len)
{
	/* the last answer's size: the next one is about as large */
	static size_t hint = 64 * 1024;
	struct mtext mt = { NULL, 0, hint + hint / 8 };
	cookie_io_functions_t io = { .write = mtext_write };
	FILE *fp;

	if ((mt.mt_buf = malloc(mt.mt_cap)) == NULL)
		return NULL;
	mt.mt_buf[0] = '\0';
	if ((fp = fopencookie(&mt, "w", io)) == NULL) {
		free(mt.mt_buf);
		return NULL;
	}
	/* fewer, larger writes into mt */
	(void)setvbuf(fp, NULL, _IOFBF, 64 * 1024);
	node_metrics(fp, w);
	vip_metrics(fp, w);
	dual_metrics(fp, w);
	routing_metrics(fp, w);
	peer_metrics(fp, w);
	heartbeat_metrics(fp, w);
	server_metrics(fp, w);
	lb_metrics(fp, w);
	ops_metrics(fp, w);
	if (fclose(fp) != 0) {
		free(mt.mt_buf);
		return NULL;
	}
	hint = mt.mt_len;
	*len = mt.mt_len;
	return mt.mt_buf;
}
