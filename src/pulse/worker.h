/*
 * worker.h - pulse's worker: one libevent loop that sends and receives
 * heartbeats, runs the election, owns the VIPs, runs role-change commands,
 * watches links and answers the control socket.
 */
#ifndef SHOAL_WORKER_H
#define SHOAL_WORKER_H

#include "opts.h"

/*
 * Runs until SIGTERM/SIGINT with the options of pulse-worker (po_first_seq
 * set); returns the process exit code.
 */
int worker_main(const struct pulse_opts *);

#endif
