/*
 * worker.c - the pulse worker's loop (see worker.h).
 *
 * Everything happens on one event loop: a keepalive timer sends
 * heartbeats (hbio.c), received packets update the peer table, and after
 * every piece of news election_step() says what this node should be; a
 * wake timer re-runs it when a peer would die.  A change of role goes
 * through the role table (role.c).
 */
#include "shoal-build.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/notify.h"
#include "lib/util.h"
#include "net/rtnl.h"
#include "announce.h"
#include "connsync.h"
#include "fence.h"
#include "control.h"
#include "ctsync.h"
#include "ctlcmd.h"
#include "drill.h"
#include "dualact.h"
#include "evbus.h"
#include "hooks.h"
#include "maintio.h"
#include "hbio.h"
#include "links.h"
#include "load.h"
#include "realtime.h"
#include "reload.h"
#include "role.h"
#include "rolecmd.h"
#include "services.h"
#include "vip.h"
#include "worker.h"

#define SHUTDOWN_WAIT_MS	(ROLECMD_TIMEOUT_MS + 2000)

const char *
worker_mode_name(const struct worker *w)
{
	return w->w_rt->rt_mode == CFG_MODE_FOS ? "fos" : "lvs";
}

static const char *
mode_uc(const struct worker *w)
{
	return w->w_rt->rt_mode == CFG_MODE_FOS ? "FOS" : "LVS";
}

const struct rt_node *
worker_self_node(const struct worker *w)
{
	return &w->w_rt->rt_nodes[w->w_rt->rt_self];
}

/* ---- transitions ---- */

static void
record(struct worker *w, enum el_state from, enum el_state to,
    enum el_reason why, const char *detail)
{
	struct transition *t;

	if (w->w_nhist == WORKER_HISTORY) {
		memmove(&w->w_hist[0], &w->w_hist[1],
		    sizeof(w->w_hist[0]) * (WORKER_HISTORY - 1));
		w->w_nhist--;
	}
	t = &w->w_hist[w->w_nhist++];
	t->t_time = time(NULL);
	t->t_from = from;
	t->t_to = to;
	t->t_reason = why;
	str_copy(t->t_detail, detail, sizeof(t->t_detail));
}

static void
log_transition(struct worker *w, enum el_state from, enum el_state to,
    enum el_reason why, const char *peer)
{
	if (from == EL_INIT && to == EL_ACTIVE)
		log_info("STARTING PULSE AS MASTER");
	else if (from == EL_INIT && to == EL_BACKUP)
		log_info("STARTING PULSE AS BACKUP");
	if (to == EL_ACTIVE && why == EL_R_PEER_DEAD)
		log_info("partner dead: activating %s (%s)", worker_mode_name(w), peer);
	else if (to == EL_ACTIVE && why == EL_R_PEER_LEAVING)
		log_info("partner dead: activating %s (%s is leaving)",
		    worker_mode_name(w), peer);
	else if (to == EL_ACTIVE && from != EL_INIT)
		log_info("%s: activating %s", election_reason_str(why),
		    worker_mode_name(w));
	else if (from == EL_ACTIVE && why == EL_R_HIGHER_ACTIVE)
		log_info("partner active: deactivating %s (%s)", mode_uc(w),
		    peer);
	else if (from == EL_ACTIVE)
		log_info("%s: deactivating %s", election_reason_str(why),
		    mode_uc(w));
	if (to == EL_FAULT && why == EL_R_STANDBY)
		log_info("standby: not a candidate until resumed");
	else if (to == EL_FAULT)
		log_warnx("entering FAULT state: not a candidate until the "
		    "fault clears");
	else if (from == EL_FAULT && why == EL_R_RESUMED)
		log_info("resumed: rejoining as backup");
	else if (from == EL_FAULT)
		log_info("fault cleared: rejoining as backup");
}

static void
set_state(struct worker *w, enum el_state to, enum el_reason why, int peer)
{
	enum el_state from = w->w_self.es_state;
	const char *pname = peer >= 0 ? w->w_rt->rt_nodes[peer].rn_name : "";
	char detail[96], st[64];

	if (from == to)
		return;
	log_transition(w, from, to, why, pname);
	snprintf(detail, sizeof(detail), "%s%s%s", election_reason_str(why),
	    *pname ? ": " : "", pname);
	record(w, from, to, why, detail);
	w->w_self.es_state = to;
	w->w_self.es_was_standby = to == EL_FAULT && why == EL_R_STANDBY;
	w->w_transitions[to]++;
	w->w_self.es_since_ms = clock_monotonic_ms();
	if (from == EL_ACTIVE)
		w->w_released_until = w->w_self.es_since_ms +
		    w->w_rt->rt_deadtime_ms;
	w->w_since = time(NULL);
	evbus_emit(EV_ROLE, election_state_name(from), election_state_name(to),
	    election_reason_str(why), pname);
	dualact_role(w->w_dual, to);
	role_change(w, from, to);
	/* tell the peers at once rather than at the next keepalive */
	hbio_send(w, 0);
	snprintf(st, sizeof(st), "%s", election_state_name(to));
	notify_status(st);
}

static void
fence_wake(void *arg)
{
	worker_evaluate(arg);
}

static void
wake_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	worker_evaluate(arg);
}

static void
fill_peers(const struct worker *w, struct el_peer *out, int *map)
{
	size_t n = 0;

	for (size_t i = 0; i < w->w_rt->rt_nnodes; i++) {
		if (i == w->w_rt->rt_self)
			continue;
		out[n] = w->w_peers[i].p_el;
		map[n++] = (int)i;
	}
}

void
worker_evaluate(struct worker *w)
{
	size_t np = w->w_rt->rt_nnodes - 1;
	struct el_peer peers[np > 0 ? np : 1];
	int map[np > 0 ? np : 1];
	struct el_params pa = { w->w_rt->rt_deadtime_ms, w->w_rt->rt_preempt,
	    w->w_rt->rt_preempt_delay_ms };
	struct el_result r;
	uint64_t now;

	if (w->w_stopping)
		return;
	(void)hbio_drain(w);
	for (int guard = 0; guard < 4; guard++) {
		now = clock_monotonic_ms();
		/* a fault may depend on the role (links_fault) */
		worker_update_fault(w);
		fill_peers(w, peers, map);
		(w->w_rt->rt_ecmp ? election_step_ecmp : election_step)(
		    &w->w_self, peers, np, &pa, now, &r);
		if (r.er_state == w->w_self.es_state)
			break;
		if (r.er_state == EL_ACTIVE && !fence_allow(w->w_fence,
		    w->w_rt->rt_fence_cmd, w->w_rt->rt_fence_timeout_ms,
		    2 * w->w_rt->rt_deadtime_ms + FENCE_RETRY_MS)) {
			/* fence_cmd first (fence.h); a backup meanwhile */
			if (w->w_self.es_state == EL_INIT)
				set_state(w, EL_BACKUP, EL_R_STARTUP, -1);
			break;
		}
		set_state(w, r.er_state, r.er_reason,
		    r.er_peer >= 0 ? map[r.er_peer] : -1);
	}
	evtimer_del(w->w_wake);
	if (r.er_wake_ms != 0) {
		uint64_t d = r.er_wake_ms > now ? r.er_wake_ms - now : 0;
		struct timeval tv = { d / 1000, (d % 1000) * 1000 };

		evtimer_add(w->w_wake, &tv);
	}
}

void
worker_config_event(const struct worker *w, const char *result)
{
	char gen[32];

	snprintf(gen, sizeof(gen), "%llu",
	    (unsigned long long)w->w_rt->rt_generation);
	evbus_emit(EV_CONFIG, gen, w->w_rt->rt_hash, result);
}

/* ---- standby: maintenance, drills ---- */

/* Wakes up when the hold ends (again, if the loop's coarser clock woke us
 * a little before ours said it was over). */
static void
arm_hold(struct worker *w, uint64_t now)
{
	uint64_t ms = w->w_hold_until - now;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) *
	    1000 };

	evtimer_del(w->w_hold_ev);
	evtimer_add(w->w_hold_ev, &tv);
}

void
worker_update_standby(struct worker *w)
{
	uint64_t now = clock_monotonic_ms();
	int held = w->w_hold_until != 0 && now < w->w_hold_until;
	int sb = w->w_maint_standby || held;

	if (held)
		arm_hold(w, now);
	else
		w->w_hold_until = 0;
	if (sb == w->w_self.es_standby)
		return;
	w->w_self.es_standby = sb;
	worker_evaluate(w);
}

static void
hold_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	worker_update_standby(arg);
}

void
worker_hold(struct worker *w, uint64_t ms)
{
	evtimer_del(w->w_hold_ev);
	w->w_hold_until = ms > 0 ? clock_monotonic_ms() + ms : 0;
	worker_update_standby(w);
}

/* ---- faults: links, failed services, peers' reports ---- */

void
worker_update_fault(struct worker *w)
{
	int fault = links_fault(w);

	for (size_t i = 0; i < w->w_rt->rt_nfos; i++)
		if (w->w_fos_failed[i])
			fault = 1;
	if (w->w_svc != NULL && services_fault(w->w_svc))
		fault = 1;
	w->w_self.es_fault = fault;
	/* heartbeats announce the priority the election uses */
	w->w_self.es_penalty = services_penalty(w->w_svc);
}

int
worker_fos_mark(struct worker *w, const char *name, int failed)
{
	for (size_t i = 0; i < w->w_rt->rt_nfos; i++) {
		if (strcmp(w->w_rt->rt_fos[i].rf_name, name) != 0)
			continue;
		if (w->w_fos_failed[i] != failed) {
			log_warnx("fail-over service %s %s on this node", name,
			    failed ? "failed" : "recovered");
			evbus_emit(EV_SERVICE, name, failed ? "failed" :
			    "recovered", "here");
		}
		w->w_fos_failed[i] = (unsigned char)failed;
		worker_update_fault(w);
		worker_evaluate(w);
		return 0;
	}
	return -1;
}

/* ---- signals and shutdown ---- */

static void
quit_check(int fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval tv = { 0, 50000 };

	(void)fd;
	(void)what;
	if (rolecmd_running() == 0 || clock_monotonic_ms() >= w->w_stop_deadline) {
		event_base_loopexit(w->w_base, NULL);
		return;
	}
	evtimer_add(w->w_quit, &tv);
}

static void
shutdown_now(struct worker *w, int sig)
{
	if (w->w_stopping)
		return;
	log_info("Terminating due to signal %d", sig);
	notify_stopping();
	w->w_stopping = 1;
	if (w->w_self.es_state == EL_ACTIVE) {
		log_info("shutting down: deactivating %s", mode_uc(w));
		w->w_released_until = clock_monotonic_ms() +
		    w->w_rt->rt_deadtime_ms;
	}
	role_shutdown(w);
	record(w, w->w_self.es_state, EL_INIT, EL_R_SHUTDOWN, "shutdown");
	hbio_leave(w);
	evtimer_del(w->w_wake);
	w->w_stop_deadline = clock_monotonic_ms() + SHUTDOWN_WAIT_MS;
	quit_check(-1, 0, w);
}

static void
signal_cb(int sig, short what, void *arg)
{
	struct worker *w = arg;
	char err[256] = "";

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading");
		(void)reload_config(w, err, sizeof(err));
		return;
	}
	shutdown_now(w, sig);
}

static int
setup_events(struct worker *w)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };

	w->w_wake = evtimer_new(w->w_base, wake_cb, w);
	w->w_quit = evtimer_new(w->w_base, quit_check, w);
	w->w_hold_ev = evtimer_new(w->w_base, hold_cb, w);
	if (w->w_wake == NULL || w->w_quit == NULL || w->w_hold_ev == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		w->w_sigs[i] = evsignal_new(w->w_base, sigs[i], signal_cb, w);
		if (w->w_sigs[i] == NULL || evsignal_add(w->w_sigs[i],
		    NULL) == -1)
			return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int
setup_netlink(struct worker *w)
{
	if ((w->w_nl = rtnl_open()) == NULL)
		return -1;
	return links_open(w);
}

static void
svc_local(const char *name, int failed, void *arg)
{
	(void)worker_fos_mark(arg, name, failed);
}

static void
svc_changed(void *arg)
{
	struct worker *w = arg;

	worker_update_fault(w);
	worker_evaluate(w);
	announce_evaluate(w->w_ann);
}

/* The notify hooks of lvs.cf's notify keys (validated with the rest). */
static int
setup_hooks(struct worker *w)
{
	char err[256];

	if ((w->w_hooks = hooks_new(w->w_base)) == NULL)
		return -1;
	if (hooks_configure_cfg(w->w_hooks, &w->w_cfg->c_global, err,
	    sizeof(err)) == -1) {
		log_warnx("notify hooks: %s", err);
		return -1;
	}
	return 0;
}

static int
setup(struct worker *w)
{
	struct services_hooks hooks = { svc_local, svc_changed, w };
	struct diag d;

	diag_init(&d);
	if (pulse_load(w->w_opts->po_db, w->w_opts->po_node, &w->w_rt,
	    &w->w_cfg, &d) == -1) {
		diag_print(&d, stderr);
		diag_clear(&d);
		log_warnx("cannot load the configuration");
		return -1;
	}
	diag_clear(&d);
	reload_send_plan(w, w->w_rt);
	if ((w->w_peers = hbio_peer_table(w, w->w_rt)) == NULL ||
	    (w->w_fos_failed = calloc(w->w_rt->rt_nfos + 1, 1)) == NULL)
		return -1;
	evbus_init(worker_self_node(w)->rn_name);
	w->w_self.es_id = worker_self_node(w)->rn_id;
	w->w_self.es_priority = worker_self_node(w)->rn_priority;
	w->w_self.es_state = EL_INIT;
	w->w_self.es_since_ms = clock_monotonic_ms();
	w->w_since = time(NULL);
	if (setup_events(w) == -1 || setup_netlink(w) == -1 ||
	    hbio_open(w) == -1)
		return -1;
	if ((w->w_vips = vipset_new(w->w_base, w->w_nl, w->w_rt)) == NULL)
		return -1;
	/* stale VIPs of this configuration go until we are elected */
	(void)vipset_down(w->w_vips);
	if ((w->w_svc = services_new(w->w_base, w->w_opts->po_db,
	    w->w_opts->po_rundir, &hooks)) == NULL)
		return -1;
	if (setup_hooks(w) == -1 || (w->w_maint = maintio_new(w)) == NULL)
		return -1;
	maintio_apply(w->w_maint);
	/* not fatal: pulse works without it (no AF_PACKET, ...) */
	w->w_dual = dualact_new(w);
	if ((w->w_drill = drill_new(w)) == NULL)
		return -1;
	if ((w->w_ann = announce_new(w)) == NULL)
		return -1;
	if ((w->w_fence = fence_new(w->w_base, fence_wake, w)) == NULL)
		return -1;
	connsync_update(w);
	worker_update_fault(w);
	ctlcmd_check();
	w->w_ctl = control_open(w->w_base, w->w_opts->po_rundir, ctlcmd_handle,
	    w);
	return w->w_ctl == NULL ? -1 : 0;
}

static void
teardown(struct worker *w)
{
	control_close(w->w_ctl);
	fence_free(w->w_fence);
	drill_free(w->w_drill);
	dualact_free(w->w_dual);
	maintio_free(w->w_maint);
	hooks_free(w->w_hooks);
	announce_free(w->w_ann);
	services_free(w->w_svc);
	ctsync_free(w->w_sync);
	hbio_close(w);
	links_close(w);
	for (size_t i = 0; i < sizeof(w->w_sigs) / sizeof(w->w_sigs[0]); i++)
		if (w->w_sigs[i] != NULL)
			event_free(w->w_sigs[i]);
	if (w->w_wake != NULL)
		event_free(w->w_wake);
	if (w->w_quit != NULL)
		event_free(w->w_quit);
	if (w->w_hold_ev != NULL)
		event_free(w->w_hold_ev);
	vipset_free(w->w_vips);
	rtnl_close(w->w_nl);
	runtime_free(w->w_rt);
	config_free(w->w_cfg);
	free(w->w_peers);
	free(w->w_fos_failed);
	if (w->w_base != NULL)
		event_base_free(w->w_base);
}

int
worker_main(const struct pulse_opts *o)
{
	struct worker w;
	int ret = 1;

	memset(&w, 0, sizeof(w));
	w.w_opts = o;
	w.w_fd4 = w.w_fd6 = -1;
	w.w_seq = o->po_first_seq;
	if ((w.w_base = event_base_new()) == NULL || setup(&w) == -1)
		goto done;
	log_info("pulse worker for node %s (priority %d, generation %llu) "
	    "started", worker_self_node(&w)->rn_name, w.w_self.es_priority,
	    (unsigned long long)w.w_rt->rt_generation);
	if (o->po_realtime)
		realtime_enter();
	notify_ready();
	worker_config_event(&w, "started");
	hbio_arm_keepalive(&w);
	hbio_send(&w, 0);
	worker_evaluate(&w);
	event_base_dispatch(w.w_base);
	ret = 0;
done:
	teardown(&w);
	return ret;
}
