/*
 * cleanup.h - `pulse --cleanup`: removes what pulse made in the kernel on
 * this node, for when pulse is gone (systemd's ExecStopPost, or after a
 * crash that took the supervisor too): this node's virtual addresses
 * (those of the current configuration that the kernel has) and, in LVS
 * mode, the load balancer state shoal made (lvs_clear_stale()).  Nothing
 * shoal did not make is touched.  The supervisor execs pulse-worker for
 * it, so SQLite and the load balancer never load into the supervisor.
 */
#ifndef SHOAL_PULSE_CLEANUP_H
#define SHOAL_PULSE_CLEANUP_H

#include "opts.h"

/*
 * Reads the configuration (po_db, po_node) and cleans up, printing what
 * it removed.  Returns the exit code: 0, or 1 when the configuration
 * cannot be read here or the kernel refused a removal (printed).
 */
int cleanup_run(const struct pulse_opts *);

#endif
