/*
 * validate.h - checking a whole configuration before anything commits.
 *
 * The same rules serve lvs.cf import (errors carry FILE:LINE:COL from the
 * blocks' source maps) and the web API (errors carry field paths such as
 * "virtual[web].address", "server[web/r1].weight", "node[n1].priority",
 * "global.keepalive").  Every problem is reported, not only the first, using
 * Piranha's error words where they apply.
 */
#ifndef SHOAL_VALIDATE_H
#define SHOAL_VALIDATE_H

#include "config/config.h"
#include "lib/diag.h"

/* Returns 0 when c has no errors (warnings may be added), else -1. */
int config_validate(const struct shoal_config *c, struct diag *d);

#endif
