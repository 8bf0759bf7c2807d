/*
 * role.h - the role-change table: what becoming ACTIVE does, in order,
 * and what leaving ACTIVE (for BACKUP, FAULT or a shutdown) undoes, in
 * the reverse order.
 *
 *   step                becoming ACTIVE              leaving ACTIVE
 *   connection sync     nftables: conntrackd -c,     conntrackd -t, -n
 *                       waited for (the synced       (the connections are
 *                       connections into the         the new active's;
 *                       kernel), then -f, -R, -B;    connsync.h)
 *                       IPVS: the load balancer step
 *   virtual addresses   add every VIP (rtnetlink)    remove them
 *   gratuitous ARP      announce them: ARP / NA,     stop the series
 *                       arp_count at arp_interval
 *   load balancer       LVS mode: program the        remove what shoal
 *                       virtual services; the        added; the sync
 *                       connection sync daemon as    daemon as backup
 *                       master
 *   routing             ecmp: announce each VIP      withdraw every VIP
 *   announcements       whose services can serve     (announce.h)
 *                       (announce.h)
 *   nannies             one per virtual service      stop them
 *   role commands       active_cmd, then every       every stop_cmd (last
 *                       fail-over service's          service first), then
 *                       start_cmd                    inactive_cmd
 *
 * Connection sync comes first: a packet of a synced connection reaching
 * this router before its state is committed (a real server's
 * retransmission towards the nat_router, a client's to the VIP) would be
 * forwarded un-NATed or answered by the router itself, and the connection
 * reset.  Once committed, conntrack NATs those packets whatever the rules.
 *
 * Between BACKUP and FAULT only the nannies step runs: fail-over service
 * monitoring learns the role and its nannies restart (services_role()).
 * From INIT to either, the role commands' leaving half runs first (every
 * stop_cmd, then inactive_cmd, logged as Piranha did: "Stopping local
 * services (if any)"), so what a previous run left running stops.
 */
#ifndef SHOAL_PULSE_ROLE_H
#define SHOAL_PULSE_ROLE_H

#include "election.h"

struct worker;

/* Runs the table for a transition from -> to (from != to). */
void role_change(struct worker *, enum el_state from, enum el_state to);
/*
 * Shutting down: ecmp announcements are withdrawn, every nanny stops and
 * the load balancer is cleared at once (services_stop()), then, when
 * ACTIVE, the leaving half of the table releases the rest.
 */
void role_shutdown(struct worker *);

#endif
