/*
 * tracks.h - the node's tracked checks (`track NAME { }`) and what they
 * cost it in the election.
 *
 * Each track is checked by a nanny of its own (nannies.h, kind
 * NANNIES_TRACK, `nanny --track NAME`), running in every role, since a
 * BACKUP must know its health before it is elected.  A track fails
 * while its nanny reports it down (a virtual track: while fewer than
 * min_up of the virtual's real servers are up), and until its first
 * report: health is never assumed.  The worker subtracts the weights of
 * the failed tracks from its priority (es_penalty; heartbeats announce
 * the rest) and is in FAULT while a failed track has the fault flag.
 */
#ifndef SHOAL_TRACKS_H
#define SHOAL_TRACKS_H

#include <jansson.h>

#include "config/config.h"
#include "ipc/nanny_report.h"

struct nannies;
struct tracks;

/* An empty set; NULL on ENOMEM. */
struct tracks *tracks_new(void);
void tracks_free(struct tracks *);

/*
 * Takes the tracks of c.  A track whose settings did not change keeps
 * its state (its nanny is not restarted); the others start unknown.
 * 0, or -1 on ENOMEM (the old set stays).
 */
int tracks_load(struct tracks *, const struct shoal_config *c);
/* Wants a nanny for every track (see nannies_want()). */
void tracks_want_nannies(const struct tracks *, struct nannies *);

/*
 * A report of track name's nanny.  Returns 1 when the track's verdict
 * (failed or healthy) changed, else 0 (also for an unknown name).
 */
int tracks_report(struct tracks *, const char *name,
    const struct nanny_report *);

/* The sum of the weights of the failed tracks (0: all well). */
int tracks_penalty(const struct tracks *);
/* True when a failed track has the fault flag. */
int tracks_fault(const struct tracks *);
/* [{"name", "kind", "failed", "weight", "fault", "reason", ...}] */
json_t *tracks_json(const struct tracks *);

#endif
