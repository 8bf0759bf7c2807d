/*
 * lb_own.h - the ownership file: which virtual services and which sync
 * daemon shoal created in the kernel, kept in the run directory so that a
 * restarted pulse (or a cleanup after a crash) removes exactly what shoal
 * made and nothing else.  Only lb.c and tests include this.
 *
 * Format (text, one statement a line):
 *
 *	shoal-lb 1 ipvs|nftables
 *	service tcp|udp ADDRESS PORT
 *	fwmark MARK inet|inet6
 *	sync master|backup IFACE SYNC-ID
 */
#ifndef SHOAL_LB_OWN_H
#define SHOAL_LB_OWN_H

#include "lb/lb_state.h"

/*
 * The file's text for backend kind: the keys of the services of both
 * states (each once), and the sync daemon of primary, else of secondary.
 * "" when there is nothing to own.  Malloc'ed (caller frees), or NULL on
 * ENOMEM.
 */
char *lb_own_text(enum cfg_lb_backend kind, const struct lb_state *primary,
    const struct lb_state *secondary);

/*
 * Reads path into owned (initialised by the caller; services with their
 * keys and default attributes, st_sync with interface and id) and the
 * backend it was written for into kind.  A missing file is an empty one.
 * A malformed line is logged as PATH:LINE and skipped.  0, or -1 when the
 * file cannot be read (logged).
 */
int lb_own_read(const char *path, enum cfg_lb_backend *kind,
    struct lb_state *owned);

/*
 * Replaces path with text atomically (a temporary file renamed over it);
 * text "" removes it.  0, or -1 (logged).
 */
int lb_own_write(const char *path, const char *text);

#endif
