/*
 * drill.h - the fail-over drill (`shoalctl drill`, the UI's button): on
 * the ACTIVE node, hand the VIPs to a backup, measure the outage of each
 * VIP as a router on the LAN sees it, hand them back, and record it.
 *
 *  1. over: this node stays out of the election (a hold, like standby
 *     but local and bounded) and releases the VIPs; the backup takes
 *     them.  From the release on, it sends an ARP probe for every IPv4
 *     VIP every DUALACT_FAST_MS (dualact.h); the outage of a VIP is the
 *     time from the release to the first answer of the new holder.
 *  2. back: the hold ends (this node is a backup again) and the holder
 *     is asked over the maintenance channel (MAINT_MSG_YIELD) to stay
 *     out of the election for a while; it releases, this node takes the
 *     VIPs.  The outage of a VIP is the time from the holder's last
 *     answer to a probe (every 10 ms while we were backup) to our taking
 *     the VIP (address added, first gratuitous ARP out).
 *
 * Each phase must end within DRILL_PHASE_MS (or four dead times);
 * otherwise the drill stops there, this node's hold ends (it rejoins the
 * election) and the result says where it stopped.  The result (outage per
 * VIP and phase, who held what, who asked) is an event "drill", a log
 * line, the reply to the caller, and one of the last DRILL_HISTORY drills
 * kept in DB.drills and in the status ("drills").
 */
#ifndef SHOAL_PULSE_DRILL_H
#define SHOAL_PULSE_DRILL_H

#include <jansson.h>

struct worker;
struct control_conn;
struct drill;

#define DRILL_PHASE_MS		5000
#define DRILL_HISTORY		10

/* Loads the history; NULL on ENOMEM. */
struct drill *drill_new(struct worker *);
/* Stops a drill that runs (its hold ends). */
void drill_free(struct drill *);

/*
 * Starts a drill asked by `by`; the result goes to cc when done (the
 * caller returns NULL to the control socket).  NULL when it started,
 * else the error object: not ACTIVE, no live backup, a drill running, no
 * IPv4 VIP, no ARP socket.
 */
json_t *drill_start(struct drill *, struct control_conn *cc,
    const char *by);
/* The last drills, newest first (a new reference). */
json_t *drill_history(const struct drill *);

#endif
