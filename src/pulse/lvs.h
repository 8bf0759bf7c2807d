/*
 * lvs.h - the LVS role of the active node: program the load balancer
 * (lb.h: IPVS or nftables) with every active virtual server on becoming
 * active, re-apply the differences on reload, and clear what shoal applied
 * on leaving the role.
 */
#ifndef SHOAL_PULSE_LVS_H
#define SHOAL_PULSE_LVS_H

#include "config.h"

struct lvs;

/* A role for c's backend (the kernel is not touched yet); NULL (logged)
 * when no backend can be used: pulse then floats the VIPs only. */
struct lvs *lvs_new(const struct shoal_config *c);
void lvs_free(struct lvs *);
/* Makes the load balancer match c (active node); 0 or -1 (logged). */
int lvs_activate(struct lvs *, const struct shoal_config *c);
/* Removes every service shoal applied; 0 or -1 (logged). */
int lvs_deactivate(struct lvs *);

#endif
