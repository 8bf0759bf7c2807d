/*
 * election.h - who should be ACTIVE: a pure function of (own state, peer
 * table, clock).  No I/O, no globals; the daemon feeds it what it heard and
 * applies the result, the unit tests feed it tables on a fake clock.
 *
 * States: INIT -> BACKUP <-> ACTIVE, and FAULT (a tracked link or service
 * is down: not a candidate).  The live candidate with the highest
 * effective priority is the rightful ACTIVE; ties go to the lowest node id.
 * A node's effective priority is its priority less the weights of its
 * failed tracked checks (es_penalty), never below 1; it is what its
 * heartbeats announce.  An ACTIVE node whose tracked checks cost it the
 * first rank yields to the live candidate that outranks it now, preempt
 * or not (EL_R_TRACK): health, not a returning node, moves the VIP.
 */
#ifndef SHOAL_ELECTION_H
#define SHOAL_ELECTION_H

#include <stddef.h>
#include <stdint.h>

/* Same values as enum hb_state: they cross the wire. */
enum el_state {
	EL_INIT,
	EL_BACKUP,
	EL_ACTIVE,
	EL_FAULT,
};

enum el_reason {
	EL_R_NONE,		/* no change */
	EL_R_STARTUP,		/* INIT over: peers heard or waited deadtime */
	EL_R_PEER_DEAD,		/* the active peer's heartbeats stopped */
	EL_R_PEER_LEAVING,	/* the active peer announced it is leaving */
	EL_R_NO_ACTIVE,		/* nobody active and we are the rightful one */
	EL_R_HIGHER_ACTIVE,	/* a peer that outranks us is ACTIVE */
	EL_R_PREEMPT,		/* we outrank the active peer (preempt on) */
	EL_R_FAULT,		/* a link or service of ours is down */
	EL_R_FAULT_CLEARED,	/* it is back: rejoin as BACKUP */
	EL_R_SHUTDOWN,		/* we are stopping (set by the daemon) */
	EL_R_STANDBY,		/* the administrator put us in standby */
	EL_R_RESUMED,		/* ... and took us out of it */
	EL_R_TRACK,		/* a tracked check failed: a healthier peer
				   outranks us now */
	EL_R_ALL_ACTIVE,	/* ecmp: every healthy director serves */
};

/* What we know about one peer (the daemon keeps these up to date). */
struct el_peer {
	uint32_t	 ep_id;
	int		 ep_priority;	/* as last announced */
	enum el_state	 ep_state;	/* as last announced */
	int		 ep_heard;	/* ever heard a valid heartbeat */
	int		 ep_leaving;	/* its last packet said LEAVING */
	uint64_t	 ep_last_ms;	/* when its last valid packet came */
};

struct el_self {
	uint32_t	 es_id;
	int		 es_priority;
	enum el_state	 es_state;
	uint64_t	 es_since_ms;	/* when es_state was entered */
	int		 es_fault;	/* a tracked link/service is down */
	int		 es_penalty;	/* priority lost to failed tracked
					   checks (0: all well) */
	int		 es_standby;	/* maintenance: not a candidate; on
					   the wire and here it is FAULT */
	int		 es_was_standby; /* FAULT was entered for standby */
};

struct el_params {
	uint32_t	 ep_deadtime_ms;
	int		 ep_preempt;
	uint32_t	 ep_preempt_delay_ms;
};

struct el_result {
	enum el_state	 er_state;	/* the next state */
	enum el_reason	 er_reason;	/* EL_R_NONE when unchanged */
	int		 er_peer;	/* index of the peer the reason is
					   about, -1 for none */
	uint64_t	 er_wake_ms;	/* call again at the latest by then
					   (0 = only on news) */
};

/* self's effective priority: es_priority - es_penalty, at least 1. */
int election_priority(const struct el_self *);

/* True when the peer counts as alive at now_ms. */
int election_peer_alive(const struct el_peer *, uint64_t now_ms,
    uint32_t deadtime_ms);

/*
 * The next state for self given peers[0..npeers) at now_ms.  Pure: the
 * same input gives the same output.
 */
void election_step(const struct el_self *self, const struct el_peer *peers,
    size_t npeers, const struct el_params *params, uint64_t now_ms,
    struct el_result *out);

/*
 * The same for director_mode = ecmp, where there is no single ACTIVE: the
 * upstream router spreads flows over every director, so a node is ACTIVE
 * once INIT is over (as above) whenever it is not in FAULT, and nobody
 * outranks anybody (params: deadtime only).
 */
void election_step_ecmp(const struct el_self *self,
    const struct el_peer *peers, size_t npeers,
    const struct el_params *params, uint64_t now_ms, struct el_result *out);

const char *election_state_name(enum el_state);
/* Human wording for logs and status ("partner dead", ...). */
const char *election_reason_str(enum el_reason);

#endif
