/*
 * cleanup.c - `pulse --cleanup` (see cleanup.h).
 */
#include "shoal-build.h"

#include <stdio.h>

#include <event2/event.h>

#include "lib/diag.h"
#include "cleanup.h"
#include "load.h"
#include "lvs.h"
#include "vip.h"

/* The load balancer's state shoal made (its ownership file); 0 or -1. */
static int
clear_lb(const char *db, const char *rundir)
{
	struct event_base *base;
	struct lvs *l = NULL;
	int rc = -1;

	if ((base = event_base_new()) == NULL || (l = lvs_new(base,
	    db, rundir)) == NULL || lvs_load(l) == -1) {
		fprintf(stderr, "pulse: --cleanup: cannot read the load "
		    "balancer's configuration\n");
		goto done;
	}
	if (lvs_cleanup(l) == -1)
		fprintf(stderr, "pulse: --cleanup: cannot clear the load "
		    "balancer\n");
	else {
		printf("cleared the load balancer state shoal owns\n");
		rc = 0;
	}
done:
	lvs_free(l);
	if (base != NULL)
		event_base_free(base);
	return rc;
}

int
cleanup_run(const struct pulse_opts *o)
{
	struct pulse_rt *rt;
	struct diag d;
	int n, ret = 0;

	diag_init(&d);
	if (pulse_load(o->po_db, o->po_node, &rt, NULL, &d) == -1) {
		diag_print(&d, stderr);
		diag_clear(&d);
		fprintf(stderr, "pulse: --cleanup: cannot read this node's "
		    "configuration from %s\n", o->po_db);
		return 1;
	}
	diag_clear(&d);
	/* the addresses first: a duplicate on the LAN is the worst leftover */
	if ((n = vip_remove_all(rt)) == -1) {
		fprintf(stderr, "pulse: --cleanup: cannot talk to the kernel "
		    "(rtnetlink)\n");
		ret = 1;
	} else
		printf("removed %d virtual address(es)\n", n);
	runtime_free(rt);
	if (clear_lb(o->po_db, o->po_rundir) == -1)
		ret = 1;
	return ret;
}
