/*
 * worker.h - pulse's worker: one libevent loop that sends and receives
 * heartbeats, runs the election, owns the VIPs, runs role-change commands,
 * watches links and answers the control socket.
 */
#ifndef SHOAL_WORKER_H
#define SHOAL_WORKER_H

#include <stdint.h>

struct worker_opts {
	const char	*wo_db;
	const char	*wo_node;	/* NULL: by local address */
	const char	*wo_rundir;
	uint64_t	 wo_first_seq;	/* first heartbeat sequence */
	int		 wo_super_fd;	/* leave plans go here, -1: none */
};

/* Runs until SIGTERM/SIGINT; returns the process exit code. */
int worker_main(const struct worker_opts *);

#endif
