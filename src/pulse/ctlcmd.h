/*
 * ctlcmd.h - what the worker answers to each command of the control
 * socket: one handler per row of the shared table (ipc/ctl_cmd.h), keyed
 * by its id.  control.c has already parsed the request and checked that
 * the caller may make it.
 */
#ifndef SHOAL_PULSE_CTLCMD_H
#define SHOAL_PULSE_CTLCMD_H

#include <jansson.h>

#include "ipc/ctl_cmd.h"

/*
 * The control_handler of the worker (arg: struct worker): the reply to r,
 * a new reference ({"error": "..."} on failure).
 */
struct control_conn;
json_t *ctlcmd_handle(const struct ctl_req *r, struct control_conn *,
    void *arg);

/* Start-up check: every command of the table has a handler (fatal if
 * not: a row was added without one). */
void ctlcmd_check(void);

#endif
