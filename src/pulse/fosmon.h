/*
 * fosmon.h - fail-over service monitoring (FOS mode): watching the
 * fail-over services through nannies and turning their reports into
 * faults.  (Starting and stopping those services on a role change is
 * rolecmd.h.)
 *
 * Every node runs one nanny per active `failover` block, checking the
 * service on its virtual address: on the ACTIVE node that is its own
 * service, on a BACKUP the ACTIVE node's.  What a report means depends on
 * the role (nannies are restarted on every role change, so a report is
 * always about the current holder of the address):
 *
 *  ACTIVE  down after FOSMON_GRACE (the service had time to start):
 *          the service failed here -> hooks.sh_local(name, 1): the worker
 *          enters FAULT and a healthy peer takes over.  It recovers
 *          (sh_local(name, 0)) when a check is good again, at the earliest
 *          FOSMON_HOLD_MS after the failure (no ping-pong with preempt).
 *  BACKUP  down while a live peer has been ACTIVE for FOSMON_GRACE, and
 *          this node still reaches its default gateway (an ICMP echo, as
 *          Piranha pinged it: a fault of our own is not the peer's):
 *          heartbeats carry HB_F_SVC_FAILED until a check is good again.
 *  ACTIVE  receiving HB_F_SVC_FAILED from a live BACKUP: a remote fault,
 *          held FOSMON_HOLD_MS after the last such heartbeat; the worker
 *          counts it as a fault and steps down.
 */
#ifndef SHOAL_FOSMON_H
#define SHOAL_FOSMON_H

#include <jansson.h>
#include <stdint.h>

#include "config/config.h"
#include "ipc/nanny_report.h"
#include "election.h"
#include "services.h"

struct event_base;
struct fosmon;
struct nannies;

#define FOSMON_HOLD_MS		10000
#define FOSMON_PROBE_MS		1000	/* gateway echo timeout */

struct fosmon *fosmon_new(struct event_base *, const struct services_hooks *);
void fosmon_free(struct fosmon *);

/* Takes the active failover services of c (FOS mode); 0 or -1 (ENOMEM). */
int fosmon_load(struct fosmon *, const struct shoal_config *c);
/* Wants a nanny per service. */
void fosmon_want_nannies(const struct fosmon *, struct nannies *);
/* Restarts every service's nanny (after a role change). */
void fosmon_restart_nannies(const struct fosmon *, struct nannies *);

void fosmon_role(struct fosmon *, enum el_state);
void fosmon_report(struct fosmon *, const char *name,
    const struct nanny_report *);
/* A live peer (node id) announced state st with flags. */
void fosmon_peer(struct fosmon *, uint32_t id, enum el_state st,
    uint8_t flags);
/* HB_F_SVC_FAILED when this BACKUP sees the ACTIVE's service failing. */
uint8_t fosmon_hb_flags(const struct fosmon *);
/* True while a peer's HB_F_SVC_FAILED holds this ACTIVE node down. */
int fosmon_fault(const struct fosmon *);
json_t *fosmon_json(const struct fosmon *);

/*
 * The IPv4 default gateway from /proc/net/route; 0, or -1 when there is
 * none.  (Exposed for tests.)
 */
int fosmon_default_gateway(struct in_addr *);

#endif
