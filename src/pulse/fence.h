/*
 * fence.h - fence_cmd: what a node runs before it takes over.
 *
 * A takeover (BACKUP or INIT to ACTIVE) waits for the global fence_cmd
 * (argv, no shell) to exit 0; a non-zero exit, a signal or its timeout
 * (fence_timeout) blocks it: the node stays BACKUP, the reason is
 * logged, and it tries again FENCE_RETRY_MS later while the election
 * still makes it the rightful active node.  Shared storage must never be
 * mounted twice: no fence, no takeover.
 *
 * A success is a grant for one takeover, taken by the next call of
 * fence_allow() within grant_ms of it (a node that just started waits
 * its deadtime as BACKUP before it takes over: the grant outlives that),
 * so an old success never covers a later takeover.
 */
#ifndef SHOAL_PULSE_FENCE_H
#define SHOAL_PULSE_FENCE_H

#include <stdint.h>

struct event_base;
struct fence;

#define FENCE_RETRY_MS	1000

/* Called when the command ended or a retry is due: evaluate again. */
typedef void (*fence_wake_fn)(void *arg);

struct fence *fence_new(struct event_base *, fence_wake_fn, void *arg);
/* Cancels a running command (its process group is killed). */
void fence_free(struct fence *);

/*
 * (A NULL fence is harmless: no takeover with a command.)
 * 1 when a takeover may go ahead now: no command (cmd NULL or empty), or
 * the command succeeded less than grant_ms ago and since the last
 * takeover (the grant is taken).
 * 0 when it must wait: the command is started unless it is running or a
 * failure's retry time has not come (the wake function is called then).
 */
int fence_allow(struct fence *, const char *cmd, uint32_t timeout_ms,
    uint32_t grant_ms);
/* 1 while the command runs. */
int fence_running(const struct fence *);

#endif
