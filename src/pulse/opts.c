/*
 * opts.c - pulse's and pulse-worker's command line (see opts.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

static void
usage(FILE *fp, int worker)
{
	fprintf(fp, "usage: %s [-ntv] [--db PATH] [--node NAME] "
	    "[--rundir DIR] [--log FILE] [--no-realtime]\n"
	    "       %s --cleanup [--db PATH] [--node NAME] [--rundir DIR]\n"
	    "  -f, --db PATH     configuration database [%s]\n"
	    "  -n, --nodaemon    stay in the foreground, log to stderr\n"
	    "  -t, --test        check the configuration for this host and "
	    "exit\n"
	    "      --cleanup     remove this node's virtual addresses and the "
	    "load\n"
	    "                    balancer state shoal made, then exit (pulse "
	    "stopped)\n"
	    "  -v, --verbose     more logging (repeat for more)\n"
	    "      --node NAME   this node's name (default: by local "
	    "address)\n"
	    "      --rundir DIR  control socket directory [%s]\n"
	    "      --log FILE    also log to FILE\n"
	    "      --no-realtime the worker at ordinary priority, memory "
	    "not locked\n"
	    "      --help, --version\n", worker ? "pulse-worker" : "pulse",
	    worker ? "pulse-worker" : "pulse", SHOAL_DEFAULT_DB,
	    SHOAL_DEFAULT_RUNDIR);
	if (worker)
		fprintf(fp, "  (started by pulse(8) with --supervisor-fd FD "
		    "--first-seq N; --check: -t, quietly)\n");
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
pulse_opts_parse(int argc, char *argv[], int worker, struct pulse_opts *o)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'f' },
		{ "nodaemon", no_argument, NULL, 'n' },
		{ "test", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "node", required_argument, NULL, 'N' },
		{ "rundir", required_argument, NULL, 'R' },
		{ "log", required_argument, NULL, 'L' },
		{ "no-realtime", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "cleanup", no_argument, NULL, 'K' },
		{ "check", no_argument, NULL, 'C' },
		{ "supervisor-fd", required_argument, NULL, 'S' },
		{ "first-seq", required_argument, NULL, 'Q' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = worker ? "pulse-worker" : "pulse";
	uint64_t v;
	int ch;

	memset(o, 0, sizeof(*o));
	o->po_db = SHOAL_DEFAULT_DB;
	o->po_rundir = SHOAL_DEFAULT_RUNDIR;
	o->po_super_fd = -1;
	o->po_realtime = 1;
	while ((ch = getopt_long(argc, argv, "f:ntvhV", opts, NULL)) != -1) {
		if (!worker && (ch == 'C' || ch == 'S' || ch == 'Q'))
			ch = '?';
		switch (ch) {
		case 'f':
			o->po_db = optarg;
			break;
		case 'n':
			o->po_foreground = 1;
			break;
		case 't':
			o->po_test = 1;
			break;
		case 'v':
			o->po_verbose++;
			break;
		case 'N':
			o->po_node = optarg;
			break;
		case 'R':
			o->po_rundir = optarg;
			break;
		case 'L':
			o->po_logfile = optarg;
			break;
		case 'T':
			o->po_realtime = 0;
			break;
		case 'K':
			o->po_cleanup = 1;
			break;
		case 'C':
			o->po_check = 1;
			break;
		case 'S':
			if (parse_u64(optarg, &v) == -1 || v < 3 || v > 1024) {
				fprintf(stderr, "%s: bad --supervisor-fd %s\n",
				    prog, optarg);
				return 2;
			}
			o->po_super_fd = (int)v;
			break;
		case 'Q':
			if (parse_u64(optarg, &o->po_first_seq) == -1) {
				fprintf(stderr, "%s: bad --first-seq %s\n", prog,
				    optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout, worker);
			return 0;
		case 'V':
			printf("%s (shoal) %s\n", prog, PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr, worker);
			return 2;
		}
	}
	if (optind != argc || (o->po_cleanup && (o->po_test ||
	    o->po_check))) {
		usage(stderr, worker);
		return 2;
	}
	return -1;
}
