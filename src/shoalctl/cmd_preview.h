/*
 * cmd_preview.h - shoalctl config diff --apply-preview [--rundir DIR]
 * [FILE]: what committing an lvs.cf would change, before committing it:
 * the lvs.cf diff against the current generation (secrets redacted), then
 * what pulse on this node says applying it does to the load balancer
 * (the control command "preview", doc/protocol.md).
 */
#ifndef SHOAL_SHOALCTL_CMD_PREVIEW_H
#define SHOAL_SHOALCTL_CMD_PREVIEW_H

#include <jansson.h>

struct shoalctl;

/* The command; argv[0] is "config diff", argv[1] "--apply-preview". */
int cmd_preview(struct shoalctl *, int argc, char **argv);

/* Prints pulse's preview reply (operations, errors, shares) to stdout. */
void cmd_preview_print(const json_t *reply);

#endif
