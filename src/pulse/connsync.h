/*
 * connsync.h - the role-change table's "connection sync" step and what
 * it depends on: with the nftables backend and `syncdaemon = 1` in LVS
 * mode, conntrackd (ctsync.h) on every router; with IPVS the kernel's own
 * sync daemon, which the load balancer step already drives (lb.h).
 */
#ifndef SHOAL_CONNSYNC_H
#define SHOAL_CONNSYNC_H

#include <jansson.h>

struct worker;

/*
 * (Re)decides and configures connection sync from the worker's current
 * configuration, runtime and load balancer backend (at start and after
 * every reload).  Creates w_sync on first use; logs an error it meets.
 */
void connsync_update(struct worker *);
/* Role changes: becoming ACTIVE (commit) or leaving it (hand over). */
void connsync_role(struct worker *, int active);
/* {"state", "reason", ...} of ctsync_json(), or state "off". */
json_t *connsync_json(const struct worker *);

/*
 * The conntrackd program: $SHOAL_CONNTRACKD when set (tests), else
 * CTSYNC_BIN_DEFAULT.
 */
const char *connsync_bin(void);

#endif
