/*
 * ctlcmd.h - the control socket's commands (doc/protocol.md): what the
 * worker answers to each request line that control.c reads.
 */
#ifndef SHOAL_PULSE_CTLCMD_H
#define SHOAL_PULSE_CTLCMD_H

#include <jansson.h>

/*
 * The control_handler of the worker (arg: struct worker): the reply to
 * line, a new reference ({"error": "..."} on failure).
 */
json_t *ctlcmd_handle(const char *line, void *arg);

#endif
