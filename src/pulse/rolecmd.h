/*
 * rolecmd.h - role commands: the administrator's commands pulse runs on a
 * role change, active_cmd/inactive_cmd and, in FOS mode, every fail-over
 * service's start_cmd/stop_cmd.  (Watching those services is fosmon.h.)
 *
 * Commands are split into an argv (quotes honoured, no shell) and run
 * through exec.h with a timeout; their exit status and output are logged.
 * They run asynchronously on the worker's event loop.
 */
#ifndef SHOAL_PULSE_ROLECMD_H
#define SHOAL_PULSE_ROLECMD_H

#include <stdint.h>

#include "runtime.h"

struct event_base;

#define ROLECMD_TIMEOUT_MS	30000

/*
 * Starts cmd (what names it in logs, e.g. "start_cmd of ftp").  Returns 0
 * when it started or cmd is NULL, -1 (logged) when it could not start.
 */
int rolecmd_run(struct event_base *, const char *what, const char *cmd);
/* On becoming active: active_cmd, then each service's start_cmd. */
void rolecmd_activate(struct event_base *, const struct pulse_rt *);
/* On leaving active: each service's stop_cmd, then inactive_cmd. */
void rolecmd_deactivate(struct event_base *, const struct pulse_rt *);
/*
 * A reload while active: stop_cmd of every fail-over service that left
 * the configuration (old), start_cmd of every one that came (new).
 */
void rolecmd_reload(struct event_base *, const struct pulse_rt *old,
    const struct pulse_rt *new);
/* Commands still running (shutdown waits for them). */
int rolecmd_running(void);

#endif
