/*
 * role.c - the role-change table (see role.h).
 */
#include "shoal-build.h"

#include "lib/log.h"
#include "evbus.h"
#include "announce.h"
#include "connsync.h"
#include "role.h"
#include "rolecmd.h"
#include "services.h"
#include "vip.h"
#include "worker.h"

struct role_step {
	const char	*rs_what;
	/* becoming ACTIVE; leaving ACTIVE for state `to` */
	void		(*rs_enter)(struct worker *, enum el_state to);
	void		(*rs_leave)(struct worker *, enum el_state to);
};

/* One "vip" event per address of the set (held ones only when taken). */
static void
vip_events(const struct worker *w, const char *action, int held_only)
{
	json_t *a = vipset_json(w->w_vips), *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (held_only && !json_is_true(json_object_get(v, "held")))
			continue;
		evbus_emit(EV_VIP, action, json_string_value(json_object_get(v,
		    "address")), json_string_value(json_object_get(v,
		    "label")));
	}
	json_decref(a);
}

static void
vips_add(struct worker *w, enum el_state to)
{
	int failed = vipset_add(w->w_vips);

	(void)to;
	if (failed > 0)
		log_warnx("%d virtual address(es) could not be added", failed);
	vip_events(w, "taken", 1);
}

static void
vips_remove(struct worker *w, enum el_state to)
{
	(void)to;
	(void)vipset_down(w->w_vips);
	vip_events(w, "released", 0);
}

static void
arp_start(struct worker *w, enum el_state to)
{
	(void)to;
	vipset_arp_start(w->w_vips);
}

static void
arp_stop(struct worker *w, enum el_state to)
{
	(void)to;
	vipset_arp_stop(w->w_vips);
}

static void
lb_program(struct worker *w, enum el_state to)
{
	(void)to;
	services_lb(w->w_svc, 1);
}

static void
lb_remove(struct worker *w, enum el_state to)
{
	(void)to;
	services_lb(w->w_svc, 0);
}

static void
sync_take(struct worker *w, enum el_state to)
{
	(void)to;
	connsync_role(w, 1);
}

static void
sync_hand(struct worker *w, enum el_state to)
{
	/* shutting down: the peers take over by themselves */
	if (to != EL_INIT)
		connsync_role(w, 0);
}

static void
routes_announce(struct worker *w, enum el_state to)
{
	(void)to;
	announce_role(w->w_ann, 1);
}

static void
routes_withdraw(struct worker *w, enum el_state to)
{
	(void)to;
	announce_role(w->w_ann, 0);
}

static void
nannies_follow(struct worker *w, enum el_state to)
{
	services_role(w->w_svc, to);
}

static void
cmds_active(struct worker *w, enum el_state to)
{
	(void)to;
	rolecmd_activate(w->w_base, w->w_rt);
}

static void
cmds_inactive(struct worker *w, enum el_state to)
{
	(void)to;
	rolecmd_deactivate(w->w_base, w->w_rt);
}

static const struct role_step steps[] = {
	/* first: the synced connections must be in the kernel before any
	   packet of theirs reaches us (see role.h) */
	{ "connection sync",	sync_take,	sync_hand },
	{ "virtual addresses",	vips_add,	vips_remove },
	{ "gratuitous ARP",	arp_start,	arp_stop },
	{ "load balancer",	lb_program,	lb_remove },
	{ "routing announcements", routes_announce, routes_withdraw },
	{ "nannies",		nannies_follow,	nannies_follow },
	{ "role commands",	cmds_active,	cmds_inactive },
};
#define NSTEPS	(sizeof(steps) / sizeof(steps[0]))

static void
enter_active(struct worker *w)
{
	for (size_t i = 0; i < NSTEPS; i++) {
		log_debug("becoming active: %s", steps[i].rs_what);
		steps[i].rs_enter(w, EL_ACTIVE);
	}
}

static void
leave_active(struct worker *w, enum el_state to)
{
	for (size_t i = NSTEPS; i-- > 0;) {
		log_debug("leaving active: %s", steps[i].rs_what);
		steps[i].rs_leave(w, to);
	}
}

/*
 * Starting as BACKUP or FAULT: whatever a previous run (or the boot)
 * left running of the fail-over services is stopped, and inactive_cmd
 * runs, so a service never runs on two nodes (Piranha's words).
 */
static void
stop_local(struct worker *w)
{
	log_info("Stopping local services (if any)");
	rolecmd_deactivate(w->w_base, w->w_rt);
}

void
role_change(struct worker *w, enum el_state from, enum el_state to)
{
	if (to == EL_ACTIVE)
		enter_active(w);
	else if (from == EL_ACTIVE)
		leave_active(w, to);
	else {
		if (from == EL_INIT)
			stop_local(w);
		nannies_follow(w, to);
	}
}

void
role_shutdown(struct worker *w)
{
	/* ecmp: the upstream router stops sending before the LB goes */
	announce_role(w->w_ann, 0);
	services_stop(w->w_svc);
	if (w->w_self.es_state == EL_ACTIVE)
		leave_active(w, EL_INIT);
}
