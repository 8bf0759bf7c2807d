/*
 * services.h - what pulse runs for the services themselves, in one place
 * the worker calls at a few hooks: the nanny children (nannies.h), LVS
 * mode (lvs.h), fail-over service monitoring (fosmon.h) and the node's
 * tracked checks (tracks.h).
 *
 * The role table (role.h) drives it on every transition; the worker
 * tells it the reloads and the heartbeats' service-failure flag.  It asks
 * the worker back, through struct services_hooks, to mark a fail-over
 * service failed or healthy on this node (the worker's FAULT logic) and
 * to re-run the election.
 */
#ifndef SHOAL_SERVICES_H
#define SHOAL_SERVICES_H

#include <jansson.h>
#include <stdint.h>

#include "lib/cfg_addr.h"
#include "election.h"

struct event_base;
struct services;

struct services_hooks {
	/* a fail-over service failed (1) or recovered (0) on this node */
	void	(*sh_local)(const char *name, int failed, void *arg);
	/* something changed that the fault state depends on */
	void	(*sh_changed)(void *arg);
	void	 *sh_arg;
};

/*
 * Loads what it needs from db; keeps what it owns in the load balancer
 * recorded in rundir (NULL: not kept).  NULL (logged) on error.
 */
struct services *services_new(struct event_base *, const char *db,
    const char *rundir, const struct services_hooks *);
/* Stops every nanny and removes what LVS mode programmed. */
void services_free(struct services *);

/*
 * The node's role changed (or, at start, is this one): fail-over service
 * monitoring learns it, the nannies follow it (one per virtual service
 * while ACTIVE, one per fail-over service from BACKUP on) and the
 * fail-over services' nannies restart, since a report is about whoever
 * holds the address now.  Nothing once stopped.
 */
void services_role(struct services *, enum el_state);
/* LVS mode: programs the load balancer (on) or removes what it added
 * (off); see lvs_activate(), lvs_deactivate().  Nothing once stopped. */
void services_lb(struct services *, int on);
/* The load balancer backend in use (CFG_LB_IPVS / CFG_LB_NFTABLES), or
 * -1 when none is open (not LVS mode, or it could not be opened). */
int services_lb_kind(const struct services *);
/* After a successful reload of the worker's configuration. */
void services_reload(struct services *);
/* Shutting down: nannies stop, LVS services are removed. */
void services_stop(struct services *);

/* lvs_vip_ready(): 1, or 0 with the reason in why. */
int services_vip_ready(const struct services *, const struct cfg_addr *,
    char *why, size_t len);

/* Flags this node sets in its heartbeats (HB_F_SVC_FAILED). */
uint8_t services_hb_flags(const struct services *);
/* A live peer (node id) in state st sent flags. */
void services_peer(struct services *, uint32_t id, enum el_state st,
    uint8_t flags);
/* True when a service fault reported by a peer, or a failed tracked
 * check with the fault flag (tracks.h), holds this node down. */
int services_fault(const struct services *);
/* The priority this node's failed tracked checks cost it (tracks.h). */
int services_penalty(const struct services *);

/*
 * The control socket's "server STATE VS RS": sets the admin state
 * (drain, disable, enable) of real server rs of virtual vs at run time.
 * Returns the reply, {"error": "..."} for an unknown state or name.
 */
json_t *services_server(struct services *, const char *state,
    const char *vs, const char *rs);
/*
 * Cluster-wide maintenance (maintio.h): the admin state (srvadmin_state
 * values) of real server rs of vs now; quiet when there is no such
 * server here.  And where it comes from when the configuration is read.
 */
void services_admin(struct services *, const char *vs, const char *rs,
    int state);
void services_set_admin_source(struct services *,
    int (*fn)(const char *vs, const char *rs, void *arg), void *arg);
/* True while this node programs the load balancer (LVS and active). */
int services_lb_active(const struct services *);
/* The LVS part, for metrics and the load balancer's counters (lvs.h);
 * NULL in tests without one. */
struct lvs *services_lvs(const struct services *);

/* Adds "virtual_services", "failover_services", "nannies" and "tracks"
 * to o. */
void services_json(const struct services *, json_t *o);

#endif
