/*
 * opts.h - the command line of pulse and of pulse-worker, parsed in one
 * place: the supervisor passes the administrator's options on to the
 * worker, which also takes three of its own (--check, --supervisor-fd,
 * --first-seq) that pulse refuses.  -t and --cleanup are done by the
 * worker too: pulse execs it for them.
 */
#ifndef SHOAL_PULSE_OPTS_H
#define SHOAL_PULSE_OPTS_H

#include <stdint.h>
#include <stdio.h>

struct pulse_opts {
	const char	*po_db;
	const char	*po_node;	/* NULL: by local address */
	const char	*po_rundir;
	const char	*po_logfile;	/* NULL: none */
	int		 po_foreground;
	int		 po_verbose;
	int		 po_test;
	int		 po_realtime;	/* 0 after --no-realtime */
	int		 po_cleanup;	/* remove VIPs and LB state, exit */
	/* pulse-worker only */
	int		 po_check;
	int		 po_super_fd;	/* -1: none */
	uint64_t	 po_first_seq;	/* 0: none given */
};

/*
 * Parses argv into o (defaults first).  worker != 0 accepts the worker's
 * own options.  Returns -1 to go on, else the exit code (0 after --help
 * or --version, 2 after a usage error, with usage printed).
 */
int pulse_opts_parse(int argc, char *argv[], int worker,
    struct pulse_opts *o);

#endif
