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
 * supervisor's start-up check); -t also prints what pulse would run.
 * Run by hand without --supervisor-fd it works alone, with nobody to
 * clean up after it.
 */
#include "shoal-build.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "heartbeat.h"
#include "leave.h"
#include "load.h"
#include "log.h"
#include "runtime.h"
#include "worker.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: pulse-worker [-ntv] [--check] [--db PATH] "
	    "[--node NAME] [--rundir DIR] [--log FILE]\n"
	    "       [--supervisor-fd FD] [--first-seq N]\n"
	    "pulse-worker is started by pulse(8); see there.\n");
}

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

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-')
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'f' },
		{ "nodaemon", no_argument, NULL, 'n' },
		{ "test", no_argument, NULL, 't' },
		{ "check", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "node", required_argument, NULL, 'N' },
		{ "rundir", required_argument, NULL, 'R' },
		{ "log", required_argument, NULL, 'L' },
		{ "supervisor-fd", required_argument, NULL, 'S' },
		{ "first-seq", required_argument, NULL, 'Q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct worker_opts o;
	struct pulse_rt *rt;
	const char *logfile = NULL;
	int ch, test = 0, check = 0, verbose = 0, foreground = 0;
	uint64_t v;

	memset(&o, 0, sizeof(o));
	o.wo_db = SHOAL_DEFAULT_DB;
	o.wo_rundir = SHOAL_DEFAULT_RUNDIR;
	o.wo_super_fd = -1;
	while ((ch = getopt_long(argc, argv, "f:ntvhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			o.wo_db = optarg;
			break;
		case 'n':
			foreground = 1;
			break;
		case 't':
			test = 1;
			break;
		case 'C':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'N':
			o.wo_node = optarg;
			break;
		case 'R':
			o.wo_rundir = optarg;
			break;
		case 'L':
			logfile = optarg;
			break;
		case 'S':
			if (parse_u64(optarg, &v) == -1 || v < 3 || v > 1024) {
				fprintf(stderr, "pulse-worker: bad "
				    "--supervisor-fd %s\n", optarg);
				return 2;
			}
			o.wo_super_fd = (int)v;
			break;
		case 'Q':
			if (parse_u64(optarg, &o.wo_first_seq) == -1) {
				fprintf(stderr, "pulse-worker: bad --first-seq "
				    "%s\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("pulse-worker (shoal) %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("pulse", foreground || test || check, verbose, logfile);
	if (test || check) {
		if ((rt = load_checked(o.wo_db, o.wo_node)) == NULL) {
			if (test)
				fprintf(stderr, "pulse: cannot run with %s on "
				    "this host\n", o.wo_db);
			return 1;
		}
		if (test) {
			runtime_print(rt, stdout);
			printf("configuration OK (generation %" PRIu64 ")\n",
			    rt->rt_generation);
		}
		runtime_free(rt);
		return 0;
	}
	if (o.wo_first_seq == 0)
		o.wo_first_seq = heartbeat_seq_first(pulse_realtime_ms(), 0);
	if (o.wo_super_fd == -1)
		log_warnx("running without a supervisor: nobody removes this "
		    "node's addresses if this process dies");
	return worker_main(&o);
}
