/*
 * lvs.h - LVS mode in pulse: the virtual services this node programs into
 * the load balancer (lb.h) while ACTIVE, the health nanny reports for
 * their real servers, and the administrator's drain/disable/enable.
 *
 * The effective weight of a real server, recomputed on every change and
 * applied with lb_apply() (a difference; one nftables transaction):
 *
 *   admin disable                 not in the load balancer
 *   admin drain                   weight 0 (its connections finish)
 *   not reported yet              not in the load balancer: a server gets
 *                                 traffic only after its first good check
 *                                 (as Piranha; nanny's first check
 *                                 decides at once)
 *   down                          weight 0 with quiesce_server, else absent
 *   up                            the weight nanny reports
 *
 * With no server above weight 0 the sorry server (when set) answers.  A
 * failed lb_apply() is logged by lb and retried every LVS_RETRY_MS.  A
 * virtual service the backend cannot program (lb_service_runnable(): e.g.
 * a tunnel on nftables) is left out, logged and shown FAILED with the
 * reason; the others still run.  A real server the backend cannot reach
 * (lb_faults(): direct routing without its MAC) is shown down with the
 * reason and the state applied again until it can.  Leaving ACTIVE
 * removes what shoal added (lb_clear, never a flush).
 */
#ifndef SHOAL_LVS_H
#define SHOAL_LVS_H

#include <jansson.h>

#include "config/config.h"
#include "ipc/nanny_report.h"
#include "store/srvadmin.h"

struct event_base;
struct lb_state;
struct lb_svc_key;
struct lvs;
struct nannies;

#define LVS_RETRY_MS		1000
/* how often a real server the load balancer could not reach is retried */
#define LVS_FAULT_RECHECK_MS	5000
/* In the run directory: what shoal made in the load balancer (lb_own.h) */
#define LVS_OWNER_FILE		"lb.state"

/*
 * A new, inactive LVS state for the database db; with rundir, ownership
 * of load balancer state is kept in rundir/LVS_OWNER_FILE, so a restarted
 * pulse removes what a killed one left.  NULL on ENOMEM.
 */
struct lvs *lvs_new(struct event_base *, const char *db, const char *rundir);
/* Removes every service and sync daemon shoal made, and frees. */
void lvs_free(struct lvs *);

/*
 * (Re)reads the configuration and the admin state from the database.
 * Health of real servers that stay (same virtual, name, address and port)
 * is kept; when active the difference is applied at once.  0, or -1
 * (logged) when the database cannot be read: the old state stays.
 */
int lvs_load(struct lvs *);
/* The configuration last loaded (NULL before the first lvs_load()). */
const struct shoal_config *lvs_config(const struct lvs *);
/* The generation last loaded (0 = none). */
uint64_t lvs_generation(const struct lvs *);
/* True when the configuration is in LVS mode with an active virtual. */
int lvs_enabled(const struct lvs *);
/* The backend of the open load balancer handle (lb_kind()), or -1. */
int lvs_lb_kind(const struct lvs *);

/*
 * At start, before any election: programs the standby state.  Removes
 * what an earlier pulse that was killed outright left in the load
 * balancer (the ownership file; nftables: shoal's table is replaced by an
 * empty one) and, with syncdaemon = 1, starts the backup sync daemon, so
 * that a router that boots as backup keeps connections on its first
 * fail-over.  From then on reloads while inactive keep the standby state
 * current.  0, or -1 (logged; retried).
 */
int lvs_clear_stale(struct lvs *);
/*
 * pulse --cleanup (pulse not running): removes everything the ownership
 * file records (services, sync daemon; then the file), whatever the
 * configuration says now; without a file, with nftables, shoal's table.
 * 0 (also when there is nothing), or -1 (logged).
 */
int lvs_cleanup(struct lvs *);
/* Programs every active virtual service (becoming ACTIVE). */
void lvs_activate(struct lvs *);
/*
 * Leaving ACTIVE: removes them (the backup sync daemon replaces the
 * master) and forgets health.
 */
void lvs_deactivate(struct lvs *);
int lvs_is_active(const struct lvs *);

/*
 * Whether this node can serve the address vip now: the last apply
 * succeeded and every virtual service on vip has a real server of weight
 * above 0 or a sorry server.  1, or 0 with the reason in why.
 */
int lvs_vip_ready(const struct lvs *, const struct cfg_addr *vip,
    char *why, size_t len);

/* Wants a nanny for every active virtual with servers (nannies.h). */
void lvs_want_nannies(const struct lvs *, struct nannies *);

/* Applies one nanny report about virtual vs. */
void lvs_report(struct lvs *, const char *vs, const struct nanny_report *);

/*
 * Sets the admin state of vs/rs at runtime (already persisted by the
 * caller).  0, or -1 with a message in err (no such virtual or server).
 */
int lvs_admin(struct lvs *, const char *vs, const char *rs,
    enum srvadmin_state, char *err, size_t errlen);

/*
 * Where the admin state comes from: fn(vs, rs, arg) gives each real
 * server's srvadmin_state when the configuration is (re)read.  Without
 * one (unit tests) the database's server_admin rows are used.
 */
typedef int (*lvs_admin_fn)(const char *vs, const char *rs, void *arg);
void lvs_set_admin_source(struct lvs *, lvs_admin_fn, void *arg);

/*
 * The desired load balancer state now (what lvs_activate() and every
 * change apply): st initialised by the caller, its old content cleared.
 * 0, or -1 (ENOMEM, nothing loaded).
 */
int lvs_desired(const struct lvs *, struct lb_state *st);

/*
 * The desired state of candidate configuration c (not loaded), as a
 * reload to c would build it: real servers that stay (same virtual and
 * server name, address and port) keep their health, weight and admin
 * state (a server whose configured weight changes gets it, as its
 * restarted nanny will report it); servers new to c are not yet checked
 * (absent, or weight 0 under ecmp).  st is initialised by the caller; 0 or -1 (ENOMEM).
 */
int lvs_desired_for(const struct lvs *, const struct shoal_config *c,
    struct lb_state *st);
/*
 * What a reload would know of real server rs (address a, port) of
 * virtual vs: "up", "down", "not yet checked", "new: not yet checked",
 * "disabled", "drained".
 */
const char *lvs_server_known(const struct lvs *, const char *vs,
    const char *rs, const struct cfg_addr *a, uint16_t port);
/* The load balancer handle (NULL before the backend was opened). */
struct lb;
const struct lb *lvs_lb(const struct lvs *);

/* Upper bounds (ms) of the check latency histogram's buckets. */
#define LVS_LAT_BUCKETS		12
extern const uint32_t lvs_latency_bounds_ms[LVS_LAT_BUCKETS];

/* One real server as the metrics see it (valid during the call). */
struct lvs_server_view {
	const char	*sv_virtual;
	const char	*sv_server;
	const char	*sv_address;
	uint16_t	 sv_port;
	int		 sv_up;		/* health up */
	int		 sv_health_known;
	int		 sv_weight;	/* in the load balancer now, 0 if out */
	int		 sv_in_lb;
	int		 sv_admin;	/* srvadmin_state */
	uint64_t	 sv_failures;	/* down reports */
	const uint64_t	*sv_hist;	/* LVS_LAT_BUCKETS, not cumulative */
	uint64_t	 sv_lat_count;
	uint64_t	 sv_lat_sum_ms;
};

/*
 * Calls fn for every real server of every active virtual server.  The
 * latency histogram counts the checks nanny reported (a report is sent
 * when a server's state or weight changes), not every check.
 */
void lvs_each_server(const struct lvs *,
    void (*fn)(const struct lvs_server_view *, void *), void *arg);

/*
 * What the load balancer holds now with the kernel's counters (lb.h,
 * lb_stats_read()): {"active", "backend", "totals", "time_ms",
 * "services": [{"name", "service", "conns", "inpkts", "outpkts",
 * "inbytes", "outbytes", "servers": [{"name", "address", "port",
 * "weight", "active", "inactive", "conns", "inpkts", ...}]}]}.  Not
 * active: "services" is empty.  NULL with err when the kernel could not
 * be read.
 */
json_t *lvs_lb_json(const struct lvs *, char *err, size_t errlen);
/* The same numbers, for the metrics: lb_stats_read() into st (cleared by
 * the caller with lb_stats_clear()); 0, or -1 when not active. */
struct lb_stats;
int lvs_stats(const struct lvs *, struct lb_stats *st);
/* The names of the virtual server with key k and of its real server at
 * (a, port); NULL when unknown. */
const char *lvs_virtual_name(const struct lvs *, const struct lb_svc_key *k);
const char *lvs_server_name(const struct lvs *, const struct lb_svc_key *k,
    const struct cfg_addr *a, uint16_t port);

/*
 * [{"name", "service", "scheduler", "active", "state" ("ok" or
 *   "FAILED"), "state_reason", "sorry_server",
 *   "servers": [{"name", "address", "port", "weight_config", "weight",
 *   "in_lb", "health", "admin", "reason", "latency_ms", "fails",
 *   "checks", "since", "lb_fault"}]}]
 */
json_t *lvs_json(const struct lvs *);

/*
 * The settings of a virtual or failover block that its nanny depends on,
 * as a string (differs when a restart is needed).  Caller frees; NULL on
 * ENOMEM.
 */
char *lvs_fingerprint(const struct shoal_config *, const struct cfg_virtual *);

#endif
