/*
 * store_view.h - the current configuration and the servers' admin state,
 * read by a short-lived child process.
 *
 * A daemon that lives for months and reads the store now and then (pulse's
 * worker at start, on reload and when LVS mode loads its services) would
 * otherwise keep SQLite's code and caches resident for good: a quarter of
 * its memory.  store_view_read() forks; the child opens the store
 * read-only, loads the current generation and the admin state and writes
 * them to a pipe as the canonical lvs.cf export (lossless, see lvscf.h),
 * the generation, its hash, the admin rows and any diagnostics, each as a
 * netstring; the parent parses that text with the lvs.cf reader and never
 * touches SQLite itself.
 */
#ifndef SHOAL_STORE_VIEW_H
#define SHOAL_STORE_VIEW_H

#include <stddef.h>

#include "config/config.h"
#include "lib/diag.h"
#include "store/srvadmin.h"
#include "store/store.h"

struct store_admin {
	char			*sa_virtual;
	char			*sa_server;
	enum srvadmin_state	 sa_state;
};

struct store_view {
	struct shoal_config	*sv_cfg;	/* NULL when generation is 0 */
	struct store_gen	 sv_gen;
	struct store_admin	*sv_admin;	/* servers not enabled */
	size_t			 sv_nadmin;
};

/*
 * Reads db into v.  0, or -1 with the reasons in d (those of the child,
 * such as a missing database, as they were).  Blocks until the child is
 * done; the child cannot outlive the call.
 */
int store_view_read(const char *db, struct store_view *v, struct diag *d);
void store_view_clear(struct store_view *);

#endif
