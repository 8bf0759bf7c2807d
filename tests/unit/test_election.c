/* test_election.c - the election as a table of cases on a fake clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "pulse/election.h"

#define DEAD	800

/* A peer: id, priority, state, heard, leaving, last heard (ms). */
#define P(id, prio, st, heard, leaving, last) \
	{ id, prio, st, heard, leaving, last }

struct ecase {
	const char	*name;
	struct el_self	 self;
	struct el_peer	 peers[3];
	size_t		 npeers;
	int		 preempt;
	uint32_t	 delay;
	uint64_t	 now;
	enum el_state	 want;
	enum el_reason	 why;
	int		 peer;
	uint64_t	 wake;		/* (uint64_t)-1: do not check */
};

#define NOCHECK	((uint64_t)-1)

static const struct ecase cases[] = {
	/* --- start-up --- */
	{ "init waits for peers", { 1, 100, EL_INIT, 0, 0, 0, 0, 0 },
	  { P(2, 200, EL_INIT, 0, 0, 0) }, 1, 1, 0, 100,
	  EL_INIT, EL_R_NONE, -1, DEAD },
	{ "init alone after deadtime becomes active", { 1, 100, EL_INIT, 0, 0, 0, 0, 0 },
	  { P(2, 200, EL_INIT, 0, 0, 0) }, 1, 1, 0, DEAD,
	  EL_ACTIVE, EL_R_NO_ACTIVE, -1, NOCHECK },
	{ "init, higher peer heard: backup", { 1, 100, EL_INIT, 0, 0, 0, 0, 0 },
	  { P(2, 200, EL_BACKUP, 1, 0, 90) }, 1, 1, 0, 100,
	  EL_BACKUP, EL_R_STARTUP, -1, 90 + DEAD },
	{ "init, lower peer heard: active", { 1, 200, EL_INIT, 0, 0, 0, 0, 0 },
	  { P(2, 100, EL_BACKUP, 1, 0, 90) }, 1, 1, 0, 100,
	  EL_ACTIVE, EL_R_NO_ACTIVE, -1, NOCHECK },
	{ "init, lower active, nopreempt: backup", { 1, 200, EL_INIT, 0, 0, 0, 0, 0 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 90) }, 1, 0, 0, 100,
	  EL_BACKUP, EL_R_STARTUP, -1, NOCHECK },
	{ "init, lower active, preempt: active", { 1, 200, EL_INIT, 0, 0, 0, 0, 0 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 90) }, 1, 1, 0, 100,
	  EL_ACTIVE, EL_R_PREEMPT, 0, NOCHECK },
	/* --- two nodes --- */
	{ "backup, active peer alive", { 2, 100, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 1500,
	  EL_BACKUP, EL_R_NONE, -1, 1000 + DEAD },
	{ "backup, active peer dead", { 2, 100, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 1000 + DEAD,
	  EL_ACTIVE, EL_R_PEER_DEAD, 0, NOCHECK },
	{ "backup, one ms before deadtime", { 2, 100, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 1000 + DEAD - 1,
	  EL_BACKUP, EL_R_NONE, -1, 1000 + DEAD },
	{ "backup, active peer leaving: at once", { 2, 100, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_ACTIVE, 1, 1, 1000) }, 1, 1, 0, 1001,
	  EL_ACTIVE, EL_R_PEER_LEAVING, 0, NOCHECK },
	{ "active stays with lower backup", { 1, 200, EL_ACTIVE, 0, 0, 0, 0, 0 },
	  { P(2, 100, EL_BACKUP, 1, 0, 1000) }, 1, 1, 0, 1100,
	  EL_ACTIVE, EL_R_NONE, -1, NOCHECK },
	{ "higher active seen: step down at once", { 2, 100, EL_ACTIVE, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_ACTIVE, 1, 0, 1000) }, 1, 0, 0, 1000,
	  EL_BACKUP, EL_R_HIGHER_ACTIVE, 0, NOCHECK },
	{ "split brain: lower keeps nothing", { 2, 100, EL_ACTIVE, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 1010,
	  EL_BACKUP, EL_R_HIGHER_ACTIVE, 0, NOCHECK },
	{ "split brain: higher keeps the VIPs", { 1, 200, EL_ACTIVE, 0, 0, 0, 0, 0 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 1010,
	  EL_ACTIVE, EL_R_NONE, -1, NOCHECK },
	{ "tie: lowest id wins split brain", { 5, 100, EL_ACTIVE, 0, 0, 0, 0, 0 },
	  { P(3, 100, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 1010,
	  EL_BACKUP, EL_R_HIGHER_ACTIVE, 0, NOCHECK },
	{ "tie: lowest id keeps it", { 3, 100, EL_ACTIVE, 0, 0, 0, 0, 0 },
	  { P(5, 100, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 1010,
	  EL_ACTIVE, EL_R_NONE, -1, NOCHECK },
	{ "tie at start: lower id takes it", { 3, 100, EL_INIT, 0, 0, 0, 0, 0 },
	  { P(5, 100, EL_INIT, 1, 0, 50) }, 1, 1, 0, 60,
	  EL_ACTIVE, EL_R_NO_ACTIVE, -1, NOCHECK },
	{ "tie at start: higher id waits", { 5, 100, EL_INIT, 0, 0, 0, 0, 0 },
	  { P(3, 100, EL_INIT, 1, 0, 50) }, 1, 1, 0, 60,
	  EL_BACKUP, EL_R_STARTUP, -1, NOCHECK },
	/* --- preempt --- */
	{ "preempt on, no delay", { 1, 200, EL_BACKUP, 5000, 0, 0, 0, 0 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 5000) }, 1, 1, 0, 5001,
	  EL_ACTIVE, EL_R_PREEMPT, 0, NOCHECK },
	{ "preempt off: stay backup", { 1, 200, EL_BACKUP, 5000, 0, 0, 0, 0 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 8900) }, 1, 0, 0, 9000,
	  EL_BACKUP, EL_R_NONE, -1, NOCHECK },
	{ "preempt delay not yet over", { 1, 200, EL_BACKUP, 5000, 0, 0, 0, 0 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 5500) }, 1, 1, 2000, 6000,
	  EL_BACKUP, EL_R_NONE, -1, 5500 + DEAD },
	{ "preempt delay wakes before a death", { 1, 200, EL_BACKUP, 5000, 0, 0, 0, 0 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 6900) }, 1, 1, 2000, 6950,
	  EL_BACKUP, EL_R_NONE, -1, 7000 },
	{ "preempt delay over", { 1, 200, EL_BACKUP, 5000, 0, 0, 0, 0 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 6900) }, 1, 1, 2000, 7000,
	  EL_ACTIVE, EL_R_PREEMPT, 0, NOCHECK },
	/* --- fault --- */
	{ "active with link down: fault", { 1, 200, EL_ACTIVE, 0, 1, 0, 0, 0 },
	  { P(2, 100, EL_BACKUP, 1, 0, 1000) }, 1, 1, 0, 1100,
	  EL_FAULT, EL_R_FAULT, -1, NOCHECK },
	{ "fault stays while down", { 1, 200, EL_FAULT, 0, 1, 0, 0, 0 },
	  { P(2, 100, EL_BACKUP, 1, 0, 1000) }, 1, 1, 0, 1100,
	  EL_FAULT, EL_R_NONE, -1, NOCHECK },
	{ "fault cleared: rejoin as backup", { 1, 200, EL_FAULT, 0, 0, 0, 0, 0 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 1100,
	  EL_BACKUP, EL_R_FAULT_CLEARED, -1, NOCHECK },
	/* a link was down: the peers' news is stale, not their death */
	{ "fault cleared, nobody heard since: wait", { 1, 100, EL_BACKUP, 5000, 0, 0, 0, 0 },
	  { P(2, 200, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 5100,
	  EL_BACKUP, EL_R_NONE, -1, 5000 + DEAD },
	{ "fault cleared, deadtime passed: claim", { 1, 100, EL_BACKUP, 5000, 0, 0, 0, 0 },
	  { P(2, 200, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 5000 + DEAD,
	  EL_ACTIVE, EL_R_PEER_DEAD, 0, NOCHECK },
	{ "fault cleared, active heard since: stay", { 1, 100, EL_BACKUP, 5000, 0, 0, 0, 0 },
	  { P(2, 200, EL_ACTIVE, 1, 0, 5050) }, 1, 1, 0, 5100,
	  EL_BACKUP, EL_R_NONE, -1, 5050 + DEAD },
	{ "fault cleared, lower heard since: claim", { 1, 200, EL_BACKUP, 5000, 0, 0, 0, 0 },
	  { P(2, 100, EL_BACKUP, 1, 0, 5050) }, 1, 1, 0, 5100,
	  EL_ACTIVE, EL_R_NO_ACTIVE, -1, NOCHECK },
	{ "backup takes over from a faulted active", { 2, 100, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_FAULT, 1, 0, 1000) }, 1, 1, 0, 1010,
	  EL_ACTIVE, EL_R_NO_ACTIVE, -1, NOCHECK },
	/* --- standby (maintenance): FAULT on the wire, its own reasons --- */
	{ "active put in standby: gives up at once", { 1, 200, EL_ACTIVE, 0, 0, 0, 1, 0 },
	  { P(2, 100, EL_BACKUP, 1, 0, 1000) }, 1, 1, 0, 1100,
	  EL_FAULT, EL_R_STANDBY, -1, NOCHECK },
	{ "standby outranks nothing: the backup takes over", { 2, 100, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_FAULT, 1, 0, 1000) }, 1, 1, 0, 1010,
	  EL_ACTIVE, EL_R_NO_ACTIVE, -1, NOCHECK },
	{ "standby stays while set, even without a fault", { 1, 200, EL_FAULT, 0, 0, 0, 1, 1 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 1100,
	  EL_FAULT, EL_R_NONE, -1, NOCHECK },
	{ "resumed: rejoins as backup", { 1, 200, EL_FAULT, 0, 0, 0, 0, 1 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 1100,
	  EL_BACKUP, EL_R_RESUMED, -1, NOCHECK },
	/* --- three nodes --- */
	{ "3: middle waits for the highest", { 2, 150, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_BACKUP, 1, 0, 1000), P(3, 100, EL_ACTIVE, 1, 1, 1000) },
	  2, 1, 0, 1010, EL_BACKUP, EL_R_NONE, -1, NOCHECK },
	{ "3: highest takes over from a leaving one", { 1, 200, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(2, 150, EL_BACKUP, 1, 0, 1000), P(3, 100, EL_ACTIVE, 1, 1, 1000) },
	  2, 1, 0, 1010, EL_ACTIVE, EL_R_PEER_LEAVING, 1, NOCHECK },
	{ "3: top dead, middle takes it", { 2, 150, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_ACTIVE, 1, 0, 1000), P(3, 100, EL_BACKUP, 1, 0, 1700) },
	  2, 1, 0, 1000 + DEAD, EL_ACTIVE, EL_R_PEER_DEAD, 0, NOCHECK },
	{ "3: top dead, lowest waits for middle", { 3, 100, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_ACTIVE, 1, 0, 1000), P(2, 150, EL_BACKUP, 1, 0, 1700) },
	  2, 1, 0, 1000 + DEAD, EL_BACKUP, EL_R_NONE, -1, 1700 + DEAD },
	{ "3: both higher dead, lowest takes it", { 3, 100, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_ACTIVE, 1, 0, 1000), P(2, 150, EL_BACKUP, 1, 0, 1000) },
	  2, 1, 0, 1000 + DEAD, EL_ACTIVE, EL_R_PEER_DEAD, 0, 0 },
	{ "3: faulted top is skipped", { 2, 150, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_FAULT, 1, 0, 1000), P(3, 100, EL_BACKUP, 1, 0, 1000) },
	  2, 1, 0, 1010, EL_ACTIVE, EL_R_NO_ACTIVE, -1, NOCHECK },
	{ "3: split brain of three, lowest two step down", { 3, 100, EL_ACTIVE, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_ACTIVE, 1, 0, 1000), P(2, 150, EL_ACTIVE, 1, 0, 1000) },
	  2, 1, 0, 1010, EL_BACKUP, EL_R_HIGHER_ACTIVE, 0, NOCHECK },
	{ "3: never-heard peer does not block after init", { 2, 150, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 200, EL_INIT, 0, 0, 0), P(3, 100, EL_BACKUP, 1, 0, 1000) },
	  2, 1, 0, 1010, EL_ACTIVE, EL_R_NO_ACTIVE, -1, NOCHECK },
	/* --- tracked checks: the effective priority --- */
	{ "active, tracked check failed, backup outranks now: yield",
	  { 1, 200, EL_ACTIVE, 0, 0, 150, 0, 0 },
	  { P(2, 100, EL_BACKUP, 1, 0, 1000) }, 1, 0, 0, 1500,
	  EL_BACKUP, EL_R_TRACK, -1, NOCHECK },
	{ "active, tracked check failed, still first: stay",
	  { 1, 200, EL_ACTIVE, 0, 0, 50, 0, 0 },
	  { P(2, 100, EL_BACKUP, 1, 0, 1000) }, 1, 0, 0, 1500,
	  EL_ACTIVE, EL_R_NONE, -1, NOCHECK },
	{ "active with a penalty, the outranking peer is dead: stay",
	  { 1, 200, EL_ACTIVE, 0, 0, 150, 0, 0 },
	  { P(2, 100, EL_BACKUP, 1, 0, 1000) }, 1, 0, 0, 1000 + DEAD,
	  EL_ACTIVE, EL_R_NONE, -1, NOCHECK },
	{ "active with a penalty, the outranking peer in FAULT: stay",
	  { 1, 200, EL_ACTIVE, 0, 0, 150, 0, 0 },
	  { P(2, 100, EL_FAULT, 1, 0, 1000) }, 1, 0, 0, 1500,
	  EL_ACTIVE, EL_R_NONE, -1, NOCHECK },
	{ "backup with a penalty: no takeover of a vacancy it does not rank",
	  { 1, 200, EL_BACKUP, 0, 0, 150, 0, 0 },
	  { P(2, 100, EL_BACKUP, 1, 0, 1000) }, 1, 1, 0, 1500,
	  EL_BACKUP, EL_R_NONE, -1, NOCHECK },
	{ "backup with a penalty, lower active, preempt: no preemption",
	  { 1, 200, EL_BACKUP, 0, 0, 150, 0, 0 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 1500,
	  EL_BACKUP, EL_R_NONE, -1, NOCHECK },
	{ "the healthy peer takes the vacancy the yielding one left",
	  { 2, 100, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(1, 50, EL_BACKUP, 1, 0, 1000) }, 1, 0, 0, 1500,
	  EL_ACTIVE, EL_R_NO_ACTIVE, -1, NOCHECK },
	{ "backup recovered, higher than the active peer, preempt: take back",
	  { 1, 200, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { P(2, 100, EL_ACTIVE, 1, 0, 1000) }, 1, 1, 0, 1500,
	  EL_ACTIVE, EL_R_PREEMPT, 0, NOCHECK },
};

static void
run_case(const struct ecase *c)
{
	struct el_params pa = { DEAD, c->preempt, c->delay };
	struct el_result r;

	election_step(&c->self, c->peers, c->npeers, &pa, c->now, &r);
	if (r.er_state != c->want || r.er_reason != c->why ||
	    r.er_peer != c->peer ||
	    (c->wake != NOCHECK && r.er_wake_ms != c->wake)) {
		print_error("case \"%s\": got %s (%s) peer %d wake %llu, "
		    "want %s (%s) peer %d wake %llu\n", c->name,
		    election_state_name(r.er_state),
		    election_reason_str(r.er_reason), r.er_peer,
		    (unsigned long long)r.er_wake_ms,
		    election_state_name(c->want), election_reason_str(c->why),
		    c->peer, (unsigned long long)c->wake);
		fail();
	}
}

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* A walk on the fake clock: the backup takes over exactly at deadtime
 * after the last heartbeat, and gives back when the higher returns. */
static void
test_clock_walk(void **state)
{
	struct el_params pa = { DEAD, 1, 0 };
	struct el_self s = { 2, 100, EL_BACKUP, 0, 0, 0, 0, 0 };
	struct el_peer p = { 1, 200, EL_ACTIVE, 1, 0, 0 };
	struct el_result r;
	uint64_t now;

	(void)state;
	for (now = 0; now < 2000; now += 200)
		p.ep_last_ms = now;	/* heartbeats every 200 ms */
	p.ep_last_ms = 1800;
	for (now = 1800; now < 1800 + DEAD; now += 10) {
		election_step(&s, &p, 1, &pa, now, &r);
		assert_int_equal(r.er_state, EL_BACKUP);
		assert_true(r.er_wake_ms == 1800 + DEAD);
	}
	election_step(&s, &p, 1, &pa, now, &r);
	assert_int_equal(r.er_state, EL_ACTIVE);
	assert_int_equal(r.er_reason, EL_R_PEER_DEAD);
	s.es_state = EL_ACTIVE;
	s.es_since_ms = now;
	/* the higher node restarts: INIT, then ACTIVE by preempt */
	p.ep_state = EL_INIT;
	p.ep_last_ms = now + 5000;
	election_step(&s, &p, 1, &pa, now + 5000, &r);
	assert_int_equal(r.er_state, EL_ACTIVE);
	p.ep_state = EL_ACTIVE;
	election_step(&s, &p, 1, &pa, now + 5100, &r);
	assert_int_equal(r.er_state, EL_BACKUP);
	assert_int_equal(r.er_reason, EL_R_HIGHER_ACTIVE);
}

static void
test_alive(void **state)
{
	struct el_peer p = { 1, 100, EL_BACKUP, 0, 0, 0 };

	(void)state;
	assert_false(election_peer_alive(&p, 0, DEAD));
	p.ep_heard = 1;
	p.ep_last_ms = 100;
	assert_true(election_peer_alive(&p, 100 + DEAD - 1, DEAD));
	assert_false(election_peer_alive(&p, 100 + DEAD, DEAD));
	p.ep_leaving = 1;
	assert_false(election_peer_alive(&p, 101, DEAD));
	assert_string_equal(election_reason_str(EL_R_PEER_DEAD),
	    "partner dead");
}

/* A penalty lowers the effective priority, never below 1. */
static void
test_priority(void **state)
{
	struct el_self	 s = { 1, 200, EL_ACTIVE, 0, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(election_priority(&s), 200);
	s.es_penalty = 150;
	assert_int_equal(election_priority(&s), 50);
	s.es_penalty = 1000;
	assert_int_equal(election_priority(&s), 1);
	assert_string_equal(election_reason_str(EL_R_TRACK),
	    "tracked check failed, a healthier partner outranks us");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_clock_walk),
		cmocka_unit_test(test_alive),
		cmocka_unit_test(test_priority),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
