/*
 * election.c - the election state machine (see election.h).
 */
#include "shoal-build.h"

#include "election.h"

int
election_peer_alive(const struct el_peer *p, uint64_t now_ms,
    uint32_t deadtime_ms)
{
	if (!p->ep_heard || p->ep_leaving)
		return 0;
	return now_ms < p->ep_last_ms + deadtime_ms;
}

/* a outranks b: higher priority, ties to the lower node id. */
static int
outranks(int pa, uint32_t ida, int pb, uint32_t idb)
{
	if (pa != pb)
		return pa > pb;
	return ida < idb;
}

int
election_priority(const struct el_self *s)
{
	int	 p = s->es_priority - s->es_penalty;

	return p < 1 ? 1 : p;
}

static int
peer_outranks_self(const struct el_peer *p, const struct el_self *s)
{
	return outranks(p->ep_priority, p->ep_id, election_priority(s),
	    s->es_id);
}

/* Earliest future moment a live peer may die: when to look again. */
static uint64_t
next_death(const struct el_peer *peers, size_t n, uint64_t now_ms,
    uint32_t deadtime_ms)
{
	uint64_t wake = 0, t;

	for (size_t i = 0; i < n; i++) {
		if (!election_peer_alive(&peers[i], now_ms, deadtime_ms))
			continue;
		t = peers[i].ep_last_ms + deadtime_ms;
		if (wake == 0 || t < wake)
			wake = t;
	}
	return wake;
}

static uint64_t
min_wake(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

static void
result(struct el_result *out, enum el_state st, enum el_reason r, int peer)
{
	out->er_state = st;
	out->er_reason = r;
	out->er_peer = peer;
}

/* The live peer in ACTIVE that ranks highest, or -1. */
static int
best_active(const struct el_peer *peers, size_t n,
    const struct el_params *pa, uint64_t now_ms)
{
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		const struct el_peer *p = &peers[i];

		if (p->ep_state != EL_ACTIVE ||
		    !election_peer_alive(p, now_ms, pa->ep_deadtime_ms))
			continue;
		if (best == -1 || outranks(p->ep_priority, p->ep_id,
		    peers[best].ep_priority, peers[best].ep_id))
			best = (int)i;
	}
	return best;
}

/* True when no live candidate peer outranks self. */
static int
self_rightful(const struct el_self *s, const struct el_peer *peers,
    size_t n, const struct el_params *pa, uint64_t now_ms)
{
	for (size_t i = 0; i < n; i++) {
		const struct el_peer *p = &peers[i];

		if (p->ep_state == EL_FAULT ||
		    !election_peer_alive(p, now_ms, pa->ep_deadtime_ms))
			continue;
		if (peer_outranks_self(p, s))
			return 0;
	}
	return 1;
}

/* Why there is no active node now: the active peer heard last died or
 * left (an older one may have left long ago). */
static void
why_vacant(const struct el_peer *peers, size_t n, struct el_result *out)
{
	int last = -1;

	for (size_t i = 0; i < n; i++) {
		if (peers[i].ep_state != EL_ACTIVE || !peers[i].ep_heard)
			continue;
		if (last == -1 || peers[i].ep_last_ms > peers[last].ep_last_ms)
			last = (int)i;
	}
	if (last == -1)
		result(out, EL_ACTIVE, EL_R_NO_ACTIVE, -1);
	else
		result(out, EL_ACTIVE, peers[last].ep_leaving ?
		    EL_R_PEER_LEAVING : EL_R_PEER_DEAD, last);
}

static void
step_active(const struct el_self *s, const struct el_peer *peers, size_t n,
    const struct el_params *pa, uint64_t now_ms, struct el_result *out)
{
	int a = best_active(peers, n, pa, now_ms);

	if (a != -1 && peer_outranks_self(&peers[a], s))
		result(out, EL_BACKUP, EL_R_HIGHER_ACTIVE, a);
	else if (s->es_penalty > 0 && !self_rightful(s, peers, n, pa, now_ms))
		result(out, EL_BACKUP, EL_R_TRACK, -1);
}

/*
 * Within deadtime of entering our state (start, a fault cleared), a peer
 * not heard alive since may only be unheard: its heartbeats could not
 * reach us (a link was down).  Claim nothing on such stale news: wait
 * until every peer was heard or deadtime passed (the wake time is set).
 */
static int
still_listening(const struct el_self *s, const struct el_peer *peers,
    size_t n, const struct el_params *pa, uint64_t now_ms,
    struct el_result *out)
{
	uint64_t at = s->es_since_ms + pa->ep_deadtime_ms;

	if (now_ms >= at)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!peers[i].ep_heard ||
		    peers[i].ep_last_ms + pa->ep_deadtime_ms <= s->es_since_ms) {
			out->er_wake_ms = min_wake(out->er_wake_ms, at);
			return 1;
		}
	return 0;
}

static void
step_backup(const struct el_self *s, const struct el_peer *peers, size_t n,
    const struct el_params *pa, uint64_t now_ms, struct el_result *out)
{
	int a = best_active(peers, n, pa, now_ms);
	uint64_t at;

	if (!self_rightful(s, peers, n, pa, now_ms))
		return;
	if (a == -1) {
		if (!still_listening(s, peers, n, pa, now_ms, out))
			why_vacant(peers, n, out);
		return;
	}
	/* Someone lower is active: take over only with preempt. */
	if (!pa->ep_preempt || peer_outranks_self(&peers[a], s))
		return;
	at = s->es_since_ms + pa->ep_preempt_delay_ms;
	if (now_ms >= at)
		result(out, EL_ACTIVE, EL_R_PREEMPT, a);
	else
		out->er_wake_ms = min_wake(out->er_wake_ms, at);
}

/* INIT ends when every peer has been heard or deadtime has passed. */
static int
init_over(const struct el_self *s, const struct el_peer *peers, size_t n,
    const struct el_params *pa, uint64_t now_ms, struct el_result *out)
{
	uint64_t at = s->es_since_ms + pa->ep_deadtime_ms;
	size_t heard = 0;

	for (size_t i = 0; i < n; i++)
		if (peers[i].ep_heard)
			heard++;
	if (heard == n || now_ms >= at)
		return 1;
	out->er_wake_ms = min_wake(out->er_wake_ms, at);
	return 0;
}

/* Both elections start alike: no change, wake at the next death, and a
 * fault wins.  True when that decided. */
static int
step_start(const struct el_self *s, const struct el_peer *peers, size_t n,
    const struct el_params *pa, uint64_t now_ms, struct el_result *out)
{
	result(out, s->es_state, EL_R_NONE, -1);
	out->er_wake_ms = next_death(peers, n, now_ms, pa->ep_deadtime_ms);
	if (!s->es_fault && !s->es_standby)
		return 0;
	if (s->es_state != EL_FAULT)
		result(out, EL_FAULT, s->es_standby ? EL_R_STANDBY : EL_R_FAULT,
		    -1);
	return 1;
}

void
election_step_ecmp(const struct el_self *s, const struct el_peer *peers,
    size_t n, const struct el_params *pa, uint64_t now_ms,
    struct el_result *out)
{
	if (step_start(s, peers, n, pa, now_ms, out))
		return;
	switch (s->es_state) {
	case EL_FAULT:
		result(out, EL_BACKUP, s->es_was_standby ? EL_R_RESUMED :
		    EL_R_FAULT_CLEARED, -1);
		break;
	case EL_INIT:
		if (init_over(s, peers, n, pa, now_ms, out))
			result(out, EL_ACTIVE, EL_R_STARTUP, -1);
		break;
	case EL_BACKUP:
		result(out, EL_ACTIVE, EL_R_ALL_ACTIVE, -1);
		break;
	case EL_ACTIVE:
		break;
	}
}

void
election_step(const struct el_self *s, const struct el_peer *peers,
    size_t n, const struct el_params *pa, uint64_t now_ms,
    struct el_result *out)
{
	if (step_start(s, peers, n, pa, now_ms, out))
		return;
	switch (s->es_state) {
	case EL_FAULT:
		result(out, EL_BACKUP, s->es_was_standby ? EL_R_RESUMED :
		    EL_R_FAULT_CLEARED, -1);
		break;
	case EL_INIT:
		if (!init_over(s, peers, n, pa, now_ms, out))
			break;
		step_backup(s, peers, n, pa, now_ms, out);
		if (out->er_state == EL_INIT)
			result(out, EL_BACKUP, EL_R_STARTUP, -1);
		break;
	case EL_BACKUP:
		step_backup(s, peers, n, pa, now_ms, out);
		break;
	case EL_ACTIVE:
		step_active(s, peers, n, pa, now_ms, out);
		break;
	}
}

const char *
election_state_name(enum el_state s)
{
	switch (s) {
	case EL_INIT:
		return "init";
	case EL_BACKUP:
		return "backup";
	case EL_ACTIVE:
		return "active";
	case EL_FAULT:
		return "fault";
	}
	return "unknown";
}

const char *
election_reason_str(enum el_reason r)
{
	switch (r) {
	case EL_R_NONE:
		return "no change";
	case EL_R_STARTUP:
		return "startup";
	case EL_R_PEER_DEAD:
		return "partner dead";
	case EL_R_PEER_LEAVING:
		return "partner leaving";
	case EL_R_NO_ACTIVE:
		return "no active node";
	case EL_R_HIGHER_ACTIVE:
		return "partner active";
	case EL_R_PREEMPT:
		return "preempting lower-priority active node";
	case EL_R_FAULT:
		return "fault";
	case EL_R_FAULT_CLEARED:
		return "fault cleared";
	case EL_R_SHUTDOWN:
		return "shutdown";
	case EL_R_STANDBY:
		return "standby";
	case EL_R_RESUMED:
		return "resumed";
	case EL_R_TRACK:
		return "tracked check failed, a healthier partner outranks us";
	case EL_R_ALL_ACTIVE:
		return "every healthy director serves (ecmp)";
	}
	return "unknown";
}
