/*
 * worker.h - pulse's worker: one libevent loop that sends and receives
 * heartbeats, runs the election, changes role through the role table,
 * watches links and answers the control socket.
 *
 * pulse-worker is one process made of files cut along its seams; they
 * share struct worker below (no other program includes this header):
 *
 *   worker.c   the loop: start, signals, shutdown; the election's verdict
 *              applied (transitions and their history); the fault state
 *   hbio.c     heartbeat sockets, sending, receiving; the peer table
 *   links.c    tracked interfaces (rtnetlink link events)
 *   role.c     the role-change table: what becoming ACTIVE does, in
 *              order, and what leaving it undoes, in reverse
 *   reload.c   re-reading the configuration and applying the differences
 *   status.c   the status object (control socket "status")
 *   ctlcmd.c   the control socket's commands (control.c is the socket)
 *   maintio.c  cluster-wide maintenance: drains and standbys exchanged
 *              with the peers (ipc/maint.h), applied here
 *   metrics.c  the Prometheus metrics (control socket "metrics")
 *   announce.c director_mode = ecmp: which VIPs this node announces to
 *              the upstream router through the routing daemon
 *
 * The worker owns everything it points to; teardown frees it.
 */
#ifndef SHOAL_WORKER_H
#define SHOAL_WORKER_H

#include <net/if.h>
#include <stdint.h>

#include "election.h"
#include "heartbeat.h"
#include "opts.h"
#include "runtime.h"

#define WORKER_HISTORY		16	/* transitions kept for status */

/* What the worker knows of one node (rt_nodes' index; self unused). */
struct peer {
	struct el_peer		 p_el;
	struct hb_seq		 p_seq;		/* its sequence numbers */
	uint64_t		 p_generation;
	uint8_t			 p_flags;	/* of its last packet */
	uint8_t			 p_hash[HB_HASH_LEN];
	uint64_t		 p_rx;
	uint64_t		 p_mseq;	/* last maintenance datagram */
	uint64_t		 p_msync_ms;	/* when we last sent it ours */
	int			 p_released;	/* its last packet: RELEASED */
};

struct transition {
	int64_t			 t_time;	/* unix seconds */
	enum el_state		 t_from;
	enum el_state		 t_to;
	enum el_reason		 t_reason;
	char			 t_detail[96];
};

/* A tracked interface (monitor_links). */
struct link {
	char			 l_name[IFNAMSIZ];
	int			 l_usable;
};

struct worker {
	const struct pulse_opts *w_opts;
	struct event_base	*w_base;
	struct pulse_rt		*w_rt;
	struct shoal_config	*w_cfg;		/* the whole configuration */
	struct peer		*w_peers;	/* parallel to rt_nodes */
	struct el_self		 w_self;
	int64_t			 w_since;	/* unix seconds of es_state */
	uint64_t		 w_seq;
	int			 w_fd4, w_fd6;
	struct event		*w_ev4, *w_ev6;
	struct event		*w_keepalive, *w_wake, *w_quit;
	struct event		*w_sigs[4];
	struct rtnl		*w_nl, *w_mon;
	struct event		*w_monev;
	struct link		*w_links;
	size_t			 w_nlinks;
	unsigned char		*w_fos_failed;	/* parallel to rt_fos */
	struct vipset		*w_vips;
	struct control		*w_ctl;
	struct services		*w_svc;		/* nannies, LVS, FOS checks */
	struct maintio		*w_maint;	/* cluster-wide maintenance */
	struct hooks		*w_hooks;	/* notify hooks */
	struct dualact		*w_dual;	/* dual-active detector */
	struct drill		*w_drill;	/* a fail-over drill running */
	struct ctsync		*w_sync;	/* conntrackd (connsync.h) */
	struct announce		*w_ann;		/* ecmp: the routing daemon */
	struct fence		*w_fence;	/* fence_cmd before a takeover */
	int			 w_stopping;
	uint64_t		 w_stop_deadline;
	uint64_t		 w_released_until; /* monotonic ms: HB_F_RELEASED
						      in heartbeats till then */
	struct event		*w_nokey;	/* hourly: no heartbeat_key */
	/* counters */
	uint64_t		 w_sent, w_send_errors, w_received;
	uint64_t		 w_rejected[HB_ERR__MAX];
	uint64_t		 w_reject_logged[HB_ERR__MAX];
	uint64_t		 w_transitions[4];	/* by el_state entered */
	int			 w_maint_standby; /* this node, cluster-wide */
	uint64_t		 w_hold_until;	/* drill: out of the election
						   until then (monotonic ms) */
	struct event		*w_hold_ev;
	uint64_t		 w_push[2];	/* pushes reported: ok, failed */
	struct transition	 w_hist[WORKER_HISTORY];
	size_t			 w_nhist;
};

/*
 * Runs until SIGTERM/SIGINT with the options of pulse-worker (po_first_seq
 * set); returns the process exit code.
 */
int worker_main(const struct pulse_opts *);

/* This node's entry in the runtime configuration. */
const struct rt_node *worker_self_node(const struct worker *);
/* "lvs" or "fos". */
const char *worker_mode_name(const struct worker *);

/*
 * Runs the election on what is known now and applies its verdict (a role
 * change through role.c); re-arms the wake timer.  Nothing once stopping.
 */
void worker_evaluate(struct worker *);
/* A "config" event for the generation now loaded, with result
 * ("started", "applied", "refused"). */
void worker_config_event(const struct worker *, const char *result);
/*
 * Recomputes es_standby (maintenance standby, or a drill's hold that has
 * not run out) and re-runs the election when it changed.
 */
void worker_update_standby(struct worker *);
/*
 * Keeps this node out of the election for ms (a drill; 0 ends it now),
 * then it rejoins by itself.
 */
void worker_hold(struct worker *, uint64_t ms);
/* Recomputes es_fault from links, failed services, peers' reports and
 * tracked checks with the fault flag, and es_penalty from the weights of
 * the failed tracked checks. */
void worker_update_fault(struct worker *);
/*
 * Marks fail-over service name failed (1) or healthy (0) on this node,
 * then re-runs the election.  0, or -1 when there is no such service.
 */
int worker_fos_mark(struct worker *, const char *name, int failed);

#endif
