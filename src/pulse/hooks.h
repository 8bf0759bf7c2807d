/*
 * hooks.h - notify hooks: programs run for events (evbus.h), configured
 * per event kind in lvs.cf (`notify_role = ...`, `notify = ...` for every
 * kind; lvs.cf(5)).
 *
 * A hook is a command split into an argv without a shell (exec.h); the
 * event's kind and its fields' values, in the kind's order
 * (ipc/events.h), are appended as arguments; the environment is
 * SHOAL_EVENT, SHOAL_SEQ, SHOAL_TIME, SHOAL_NODE, SHOAL_<FIELD> and PATH;
 * standard input is a short mail-shaped text ("Subject: [shoal] ..."),
 * so `/usr/sbin/sendmail -i root` is a working hook.
 *
 * Hooks run one at a time, in the order of the events (for one event the
 * kind's own hook first, then the one for every kind), each killed with
 * its process group at its timeout.  Pulse never waits for them: events
 * wait in a queue of HOOKS_QUEUE_MAX runs; when it is full, new runs are
 * dropped.  Dropped runs, timeouts, failures and missing programs are
 * counted (hooks_json(), metrics) and logged at most once per
 * HOOKS_LOG_MS.  Their output is read up to HOOKS_OUT_MAX bytes and the
 * rest thrown away, so a flooding hook cannot block or fill anything.
 */
#ifndef SHOAL_PULSE_HOOKS_H
#define SHOAL_PULSE_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ipc/events.h"

struct event_base;
struct hooks;

#define HOOKS_QUEUE_MAX		256
#define HOOKS_TIMEOUT_MS	10000	/* default per run */
#define HOOKS_OUT_MAX		4096
#define HOOKS_LOG_MS		60000

enum hooks_outcome {
	HOOKS_OK,
	HOOKS_FAILED,		/* exit status not 0, or a signal */
	HOOKS_TIMEOUT,		/* killed at its timeout */
	HOOKS_MISSING,		/* the program cannot be run */
	HOOKS_DROPPED,		/* the queue was full */
	HOOKS__MAX
};

/* Subscribes to the event bus; NULL on ENOMEM. */
struct hooks *hooks_new(struct event_base *);
/* Kills a hook still running, drops the queue, unsubscribes. */
void hooks_free(struct hooks *);

/*
 * The hooks to run from now on: cmds[kind] for one kind (NULL or "" for
 * none), all for every kind, each run killed after timeout_ms (0: the
 * default).  Every command is split first: 0, or -1 with a message in
 * err naming the key and the column (the old hooks stay).  Queued runs
 * keep the commands they were queued with.
 */
int hooks_configure(struct hooks *, const char *const cmds[EV__MAX],
    const char *all, uint32_t timeout_ms, char *err, size_t errlen);

/*
 * hooks_configure() with the global block's notify_<kind>, notify and
 * notify_timeout keys (the registry rows named after the event kinds).
 * 0, or -1 with a message in err (the old hooks stay).
 */
struct cfg_global;
int hooks_configure_cfg(struct hooks *, const struct cfg_global *,
    char *err, size_t errlen);

/* Runs queued or running now. */
size_t hooks_pending(const struct hooks *);
/* Runs that ended (or were dropped) with outcome o. */
uint64_t hooks_count(const struct hooks *, enum hooks_outcome o);
const char *hooks_outcome_name(enum hooks_outcome);
/* {"queued": N, "ok": N, "failed": N, "timeout": N, "missing": N,
 *  "dropped": N, "last_error": "..."} */
json_t *hooks_json(const struct hooks *);

#endif
