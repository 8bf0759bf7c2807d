/*
 * reload.h - loading a new configuration into the running worker
 * (SIGHUP, the control socket's "reload"): the store is read again
 * (load.h), the supervisor gets the new leave plan first, then the
 * differences are applied: VIPs that came or went, role commands of
 * fail-over services that came or went while active, heartbeat timers
 * and port, tracked links, services (LVS, nannies).  A configuration
 * that cannot run here changes nothing.
 */
#ifndef SHOAL_PULSE_RELOAD_H
#define SHOAL_PULSE_RELOAD_H

#include <stddef.h>

struct pulse_rt;
struct worker;

/*
 * Reloads.  0, or -1 with the first error in err (the old configuration
 * stays; every reason is logged).
 */
int reload_config(struct worker *, char *err, size_t errlen);

/*
 * Tells the supervisor what to clean up should this process die: the
 * VIPs of rt and whom to tell (leave.h).  Nothing without a supervisor.
 */
void reload_send_plan(const struct worker *, const struct pulse_rt *rt);

#endif
