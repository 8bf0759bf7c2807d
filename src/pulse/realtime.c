/*
 * realtime.c - real-time scheduling and locked memory (see realtime.h).
 */
#include "shoal-build.h"

#include <sched.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "realtime.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK	0x40000000
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT		4
#endif

void
realtime_enter(void)
{
	struct sched_param sp = { .sched_priority = REALTIME_PRIO };

	if (sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp) == -1)
		log_warn("real-time scheduling (SCHED_RR %d) not available: "
		    "heartbeats may be late on a busy machine",
		    REALTIME_PRIO);
	else
		log_debug("heartbeat loop at SCHED_RR priority %d",
		    REALTIME_PRIO);
	/* MCL_ONFAULT: pages stay once used, unused library pages are not
	 * read in (the worker's RSS would double) */
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == -1 &&
	    mlockall(MCL_CURRENT | MCL_FUTURE) == -1)
		log_warn("cannot lock memory: a page fault may wait for swap");
}
