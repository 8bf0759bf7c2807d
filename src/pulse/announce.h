/*
 * announce.h - scale-out (director_mode = ecmp): every healthy director
 * announces the VIPs to an upstream router through a routing daemon on
 * the director (announce_drv.h: BIRD), and the router spreads flows over
 * the directors by equal-cost multipath.
 *
 * A VIP is announced while lo holds it (the runtime's RT_VIP_ROUTE
 * entries): the daemon exports exactly the host routes of the VIPs on lo.
 * The same address on its own device is the data plane, held while
 * ACTIVE like any VIP (without ARP).  So this file only decides which
 * announcements are held (vipset_want()); one is held when
 *
 *   this node is ACTIVE       (in ECMP mode, every node not in FAULT),
 *   its services can serve    (lvs_vip_ready(): programmed, a real server
 *                              of weight > 0 or a sorry server), and
 *   no newer configuration    (when it is not held yet: no live peer that
 *   is announced by a peer     announces runs a newer generation, so a
 *                              stale node never starts to send flows to
 *                              another set of real servers)
 *
 * and every way of stopping withdraws it: a failed check at once, leaving
 * ACTIVE (the role table), stopping (role_shutdown(), before the load
 * balancer is cleared), the worker dying (the supervisor's leave plan
 * removes every VIP, these included), and pulse dying whole (the kernel
 * drops the address when its lifetime, refreshed every keepalive, ends).
 *
 * The routing daemon being missing, stopped or refusing the session does
 * not change what is held (the daemon announces as soon as it can); the
 * status says what is really announced, and HB_F_ANNOUNCING is set only
 * then.  Peers running another configuration are flagged.
 */
#ifndef SHOAL_PULSE_ANNOUNCE_H
#define SHOAL_PULSE_ANNOUNCE_H

#include <jansson.h>
#include <stdint.h>

struct announce;
struct worker;

/* For w (its runtime and VIP set in place).  NULL on ENOMEM. */
struct announce *announce_new(struct worker *);
void announce_free(struct announce *);

/*
 * The role table's step: on (becoming ACTIVE) decides every VIP; off
 * (leaving ACTIVE, stopping) withdraws every VIP now.
 */
void announce_role(struct announce *, int on);
/* Decides every VIP again (a report, a heartbeat, a keepalive tick). */
void announce_evaluate(struct announce *);
/* After a reload: the new session settings and VIP list. */
void announce_reload(struct announce *);
/* HB_F_ANNOUNCING when a VIP is held and the session is established. */
uint8_t announce_hb_flags(const struct announce *);
/* The "routing" object of the status; NULL when not in ECMP mode. */
json_t *announce_json(const struct announce *);

#endif
