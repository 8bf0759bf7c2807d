/*
 * maintio.h - cluster-wide maintenance in the worker: the state
 * (ipc/maint.h) kept in DB.maint, exchanged with every peer over the
 * heartbeat sockets and applied here (a real server's admin state in
 * LVS mode, this node's standby in the election).
 *
 * Exchange (doc/protocol.md, "Maintenance"): a change made here goes at
 * once to every peer in ENTRIES datagrams; every MAINTIO_SUMMARY_MS each
 * node sends a SUMMARY (its digest) to every peer, and a node that gets a
 * digest unlike its own answers with all its entries (at most every
 * MAINTIO_RESYNC_MS per peer).  Entries merge as last writer wins, so a
 * restarted node, a node that missed a change or the two sides of a
 * healed partition converge within a second or two.  Datagrams carry the
 * heartbeat key's HMAC and a sequence per sender (replays are dropped);
 * the sender must be a configured node at one of its addresses.
 *
 * Every change (made here or learned) is logged with who made it and
 * where, becomes a "maint" event, and is saved to the file before it is
 * applied.  The configuration and its pushes never touch it.
 */
#ifndef SHOAL_PULSE_MAINTIO_H
#define SHOAL_PULSE_MAINTIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>

#include "ipc/maint.h"

struct worker;
struct maintio;

#define MAINTIO_SUMMARY_MS	1000
#define MAINTIO_RESYNC_MS	300

/* Loads the state file of the worker's database and starts the summary
 * timer; NULL (logged) on error. */
struct maintio *maintio_new(struct worker *);
void maintio_free(struct maintio *);

const struct maint *maintio_state(const struct maintio *);
/* The state file's path. */
const char *maintio_path(const struct maintio *);

/*
 * The control socket's maint-server / maint-node / server: a change made
 * here (state by name; b is NULL for a node).  Validated against the
 * configuration (a node or real server that exists).  The reply:
 * {"ok": true, "version": N, "applied": bool} or {"error": "..."}.
 */
json_t *maintio_change(struct maintio *, enum maint_target,
    const char *state, const char *a, const char *b, const char *by);

/* True when buf starts with the maintenance magic. */
int maintio_is_mine(const uint8_t *buf, size_t len);
/* A maintenance datagram from `from` (checked here). */
void maintio_receive(struct maintio *, const uint8_t *buf, size_t len,
    const struct sockaddr_storage *from);
/*
 * Applies the whole state again: after a reload (the configuration's
 * servers changed) and at start.
 */
void maintio_apply(struct maintio *);
/*
 * A drill (drill.h) asks peer i (rt_nodes' index) to stay out of the
 * election for hold_ms, handing the VIPs back.  A node that gets it while
 * ACTIVE steps down for that long (at most MAINTIO_HOLD_MAX_MS).
 */
void maintio_yield(struct maintio *, size_t i, uint32_t hold_ms);
#define MAINTIO_HOLD_MAX_MS	60000

/* Datagrams dropped, by enum maint_err. */
uint64_t maintio_rejected(const struct maintio *, enum maint_err);

#endif
