/*
 * nannies.h - pulse's nanny children: one nanny(8) per checked service,
 * each with a pipe for its report lines, supervised independently.
 *
 * A nanny is named by (kind, name): kind NANNIES_VIRTUAL checks the real
 * servers of `virtual NAME`, NANNIES_FAILOVER checks `failover NAME`,
 * NANNIES_TRACK runs `track NAME` (tracks.h).  Its
 * settings are summed up by a fingerprint string the caller computes; a
 * nanny whose fingerprint changed is restarted.  Every line a nanny writes
 * is parsed strictly (nanny_report.h); a line that does not parse, or that
 * names another service, is logged and the nanny is killed and restarted.
 * A nanny that dies is restarted after a back-off that doubles from
 * NANNIES_BACKOFF_MIN_MS to NANNIES_BACKOFF_MAX_MS and resets once it ran
 * NANNIES_STABLE_MS; one nanny's death never touches another.  Children
 * get PR_SET_PDEATHSIG, so they die with pulse.
 *
 * Usage per reconfiguration (mark and sweep):
 *	nannies_mark(ns);
 *	nannies_want(ns, NANNIES_VIRTUAL, "web", fingerprint);  // each one
 *	nannies_sweep(ns);              // stops those not wanted any more
 */
#ifndef SHOAL_NANNIES_H
#define SHOAL_NANNIES_H

#include <jansson.h>

#include "ipc/nanny_report.h"

struct event_base;
struct nannies;

#define NANNIES_BACKOFF_MIN_MS	1000
#define NANNIES_BACKOFF_MAX_MS	30000
#define NANNIES_STABLE_MS	60000
#define NANNIES_TERM_WAIT_MS	2000	/* SIGTERM, then SIGKILL */

enum nannies_kind {
	NANNIES_VIRTUAL,
	NANNIES_FAILOVER,
	NANNIES_TRACK,		/* a tracked check: nanny --track NAME */
};

/* Called for every well-formed report of a running nanny. */
typedef void (*nannies_report_fn)(enum nannies_kind, const char *name,
    const struct nanny_report *, void *arg);

/*
 * A supervisor running path (the nanny binary) with --db db; path "none"
 * runs no nanny at all (pulse-only tests).  NULL on ENOMEM.  Free with
 * nannies_free(), which stops every nanny.
 */
struct nannies *nannies_new(struct event_base *, const char *path,
    const char *db, nannies_report_fn, void *arg);
void nannies_free(struct nannies *);

/*
 * The nanny binary: $SHOAL_NANNY when set, else `nanny` on PATH (a build
 * tree, scripts/demo), else SHOAL_SBINDIR/nanny.
 */
const char *nannies_default_path(void);

void nannies_mark(struct nannies *);
/*
 * Wants a nanny for (kind, name) with these settings: starts it when
 * absent, restarts it at once when fingerprint differs from the running
 * one's, else leaves it alone.  0, or -1 on ENOMEM (logged).
 */
int nannies_want(struct nannies *, enum nannies_kind, const char *name,
    const char *fingerprint);
/* Stops every nanny not wanted since the last nannies_mark(). */
void nannies_sweep(struct nannies *);
/* Stops every nanny. */
void nannies_stop_all(struct nannies *);
/* Restarts one nanny now (fresh state, no back-off); 0 or -1 if absent. */
int nannies_restart(struct nannies *, enum nannies_kind, const char *name);
/* Running nannies (pid known). */
size_t nannies_running(const struct nannies *);
/* [{"kind", "name", "pid", "starts", "running"}] */
json_t *nannies_json(const struct nannies *);

#endif
