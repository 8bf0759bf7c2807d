/*
 * pulse_worker.c - pulse-worker: the process that does pulse's work
 * (worker.c), started by the supervisor (pulse.c) with the options the
 * administrator gave pulse plus two of its own:
 *
 *   --supervisor-fd FD   where to send leave plans (leave.h)
 *   --first-seq N        the first heartbeat sequence (above the LEAVING
 *                        the supervisor sent for the previous worker)
 *
 * --check loads the configuration and prints only what is wrong (the
 * supervisor's start-up check); -t also prints what pulse would run;
 * --cleanup removes what pulse made in the kernel (cleanup.h).
 * Run by hand without --supervisor-fd it works alone, with nobody to
 * clean up after it.
 */
#include "shoal-build.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/lb.h"
#include "lib/diag.h"
#include "lib/log.h"
#include "cleanup.h"
#include "heartbeat.h"
#include "leave.h"
#include "load.h"
#include "opts.h"
#include "runtime.h"
#include "worker.h"

/* Loads and prints diagnostics; NULL when pulse cannot run here. */
static struct pulse_rt *
load_checked(const char *db, const char *node)
{
	struct pulse_rt *rt;
	struct diag d;
	int ret;

	diag_init(&d);
	ret = pulse_load(db, node, &rt, NULL, &d);
	diag_print(&d, stderr);
	diag_clear(&d);
	return ret == -1 ? NULL : rt;
}

int
main(int argc, char *argv[])
{
	struct pulse_opts po;
	struct pulse_rt *rt;
	int ret;

	if ((ret = pulse_opts_parse(argc, argv, 1, &po)) != -1)
		return ret;
	log_init("pulse", po.po_foreground || po.po_test || po.po_check ||
	    po.po_cleanup, po.po_verbose, po.po_logfile);
	/* cleanup removes every VIP, whatever the backend could program */
	if (po.po_cleanup)
		return cleanup_run(&po);
	/* which services this host can program decides which VIPs float */
	pulse_load_auto_backend(lb_auto_backend());
	if (po.po_test || po.po_check) {
		if ((rt = load_checked(po.po_db, po.po_node)) == NULL) {
			if (po.po_test)
				fprintf(stderr, "pulse: cannot run with %s on "
				    "this host\n", po.po_db);
			return 1;
		}
		if (po.po_test) {
			runtime_print(rt, stdout);
			printf("configuration OK (generation %" PRIu64 ")\n",
			    rt->rt_generation);
		}
		runtime_free(rt);
		return 0;
	}
	if (po.po_first_seq == 0)
		po.po_first_seq = heartbeat_seq_first(pulse_realtime_ms(), 0);
	if (po.po_super_fd == -1)
		log_warnx("running without a supervisor: nobody removes this "
		    "node's addresses if this process dies");
	return worker_main(&po);
}
